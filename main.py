"""BotArmy: five AI agents turn a project brief into reviewed artifacts while you watch every token live.

    python main.py [--host 127.0.0.1] [--port 8080] [--data-dir PATH]
    python main.py users add|passwd|remove|list|token … [--data-dir PATH]   (see core/user_admin.py)
"""

import argparse
import sys
from functools import partial
from pathlib import Path

from fastapi.exceptions import RequestValidationError
from nicegui import Client, app, ui

from agents.pipeline import Budget, run_pipeline
from agents.roles import AGENT_NAMES
from core import user_admin
from core.access import caller_dependency, sign_in_router
from core.agui import agui_router
from core.api import api_router
from core.bus import Bus
from core.demo_faults import FaultPlan
from core.demo_model import demo_router
from core.health import health_router
from core.identity import SESSION_MAX_AGE_S, Identity, storage_secret
from core.inputs import InputError, parse_approvals
from core.lifecycle import interrupt_runs_before_exit
from core.llm import LLM
from core.logs import configure_logging
from core.metrics import Metrics, metrics_router
from core.problems import validation_problem
from core.runs import Limits, RunService
from core.settings import Settings
from core.store import Store
from core.web_security import install_web_security
from ui.floor_page import register_floor_page
from ui.live import LiveRuns
from ui.pages import register_pages
from ui.socket_guard import install_socket_guard

# OpenAPI at /openapi.json, Swagger UI at /docs; NiceGUI leaves its own pages and internals out of them.
API_DOCS = {"title": "BotArmy API", "version": "0.1.0",
            "description": "Runs of the five-agent pipeline: start, steer, watch (SSE) and collect artifacts."}


def parse_args() -> dict:
    parser = argparse.ArgumentParser(description="Run the BotArmy dashboard.", allow_abbrev=False)
    parser.add_argument("--host", help="interface to listen on (default 127.0.0.1, or BOTARMY_HOST)")
    parser.add_argument("--port", type=int, help="port to listen on (default 8080, or BOTARMY_PORT)")
    parser.add_argument("--data-dir", type=Path, help="database, artifacts and logs (default ./data)")
    # Unknown arguments are left alone: under pytest this file runs with pytest's own arguments.
    args, _ = parser.parse_known_args()
    return {key: value for key, value in vars(args).items() if value is not None}


def connected_clients() -> int:
    return sum(1 for client in Client.instances.values() if client.has_socket_connection)


def main() -> None:
    settings = Settings(**parse_args())
    try:
        default_approvals = parse_approvals(settings.approvals, AGENT_NAMES)
    except InputError as error:
        sys.exit(f"BOTARMY_APPROVALS: {error}")
    secret = storage_secret(settings.data_dir, settings.storage_secret and settings.storage_secret.get_secret_value())
    configure_logging(settings.data_dir, [settings.openai_api_key or "", secret])
    metrics = Metrics()
    store = Store(settings.database_path, metrics)
    store.open()
    bus = Bus(store, metrics=metrics)
    llm = LLM(settings, metrics)
    budget = Budget(settings.run_token_budget, settings.run_cost_budget_usd)
    limits = Limits(settings.max_brief_chars, settings.max_feedback_chars, settings.max_concurrent_runs,
                    settings.max_runs_per_user, settings.starts_per_minute)
    identity = Identity(store, settings.auth)
    caller = caller_dependency(identity, settings.allowed_origins)
    runs = RunService(store, bus, partial(run_pipeline, llm=llm, budget=budget), agents=AGENT_NAMES, limits=limits,
                      default_approvals=default_approvals)
    metrics.watch(runs, connected_clients)

    async def shutdown() -> None:
        await runs.shutdown()
        await llm.close()
        await store.close()

    app.on_startup(runs.recover)
    app.on_startup(lambda: interrupt_runs_before_exit(runs))
    app.on_shutdown(shutdown)
    if settings.offline_demo:
        app.include_router(demo_router(settings.demo_token_delay_ms, FaultPlan(settings.demo_faults)))
    app.include_router(health_router(runs, connected_clients, settings.offline_demo))
    app.include_router(metrics_router(metrics))
    app.include_router(api_router(runs, bus, caller))
    app.include_router(agui_router(runs, bus, caller))
    app.include_router(sign_in_router(identity, settings.allowed_origins))
    app.add_exception_handler(RequestValidationError, validation_problem)
    install_web_security(app, settings)
    install_socket_guard(settings)
    register_pages(runs, LiveRuns(runs, bus), identity, offline_demo=settings.offline_demo)
    if settings.bench_pages:
        register_floor_page()
    ui.run(host=settings.host, port=settings.port, title="BotArmy", show=False, reload=False,
           favicon="🤖", reconnect_timeout=10, fastapi_docs=API_DOCS,
           storage_secret=secret, session_middleware_kwargs={
               # Named after the port, like Jupyter's: two instances on one host keep their own identities.
               "session_cookie": f"botarmy_session_{settings.port}", "max_age": SESSION_MAX_AGE_S, "same_site": "lax",
               "https_only": settings.secure_cookies},
           log_config=None)  # uvicorn keeps the handlers configure_logging set, so stderr stays JSON


if __name__ in {"__main__", "__mp_main__"}:
    if sys.argv[1:2] == ["users"]:
        sys.exit(user_admin.main(sys.argv[2:]))
    main()
