"""BotArmy: five AI agents turn a project brief into reviewed artifacts while you watch every token live.

    python main.py [--host 127.0.0.1] [--port 8080] [--data-dir PATH]
    python main.py users add|passwd|remove|list|token … [--data-dir PATH]   (see core/users/admin.py)

This file is the composition root: the one place that builds every part and wires them together.
"""

import argparse
import sys
from functools import partial
from pathlib import Path

from fastapi.exceptions import RequestValidationError
from nicegui import Client, app, ui

from agents.pipeline import Budget, run_pipeline
from agents.roles import TEAM
from core.demo.content import AGENTS as DEMO_AGENTS
from core.demo.faults import FaultPlan
from core.domain.inputs import InputError, parse_approvals
from core.engine.commands import Limits, RunService
from core.engine.execution import CommandLimits, ExecutionService
from core.engine.project_tests import ProjectTests
from core.engine.queries import RunQueries
from core.eventlog.bus import Bus
from core.eventlog.sqlite_store import Store
from core.llm.client import LLM
from core.obs.logs import configure_logging
from core.obs.metrics import Metrics
from core.sandbox import base as sandbox
from core.sandbox.bubblewrap import Bubblewrap
from core.sandbox.unsandboxed import Unsandboxed
from core.settings import Settings
from core.users import admin
from core.users.identity import SESSION_MAX_AGE_S, Identity, storage_secret
from core.workspace.workspaces import Workspaces
from core.web.access import caller_dependency, sign_in_router
from core.web.agui import agui_router
from core.web.api import api_router
from core.web.commands_api import commands_router
from core.web.demo_route import demo_router
from core.web.hardening import install_web_security
from core.web.health import health_router
from core.web.lifecycle import interrupt_runs_before_exit
from core.web.metrics_route import metrics_router
from core.web.problems import validation_problem
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


def command_runner(settings: Settings, bus: Bus, store: Store, metrics: Metrics) -> ExecutionService:
    """Commands in runs' workspaces, in the sandbox the settings choose."""
    mb = 1 << 20
    limits = sandbox.Limits(wall_s=settings.command_timeout_s, cpu_s=settings.command_cpu_s,
                            memory_bytes=settings.command_memory_mb * mb, processes=settings.command_processes,
                            file_bytes=settings.command_file_mb * mb)
    runner = Bubblewrap(limits, settings.bwrap) if settings.sandbox == "bubblewrap" else Unsandboxed(limits)
    return ExecutionService(
        bus, RunQueries(store, bus), runner, Workspaces(settings.data_dir), TEAM,
        CommandLimits(keep_chars=settings.command_output_kb * 1024, log_bytes=settings.command_log_mb * mb,
                      max_running=settings.max_concurrent_commands, wall_s=settings.command_timeout_s),
        observer=metrics)


def main() -> None:
    settings = Settings(**parse_args())
    try:
        default_approvals = (TEAM.default_approvals if settings.approvals is None
                             else parse_approvals(settings.approvals, TEAM.names))
    except InputError as error:
        sys.exit(f"BOTARMY_APPROVALS: {error}")
    if settings.offline_demo and (missing := [name for name in TEAM.names if name not in DEMO_AGENTS]):
        sys.exit(f"The offline demo model has no answers for the agent(s) {', '.join(missing)}. "
                 "Set OPENAI_API_KEY to use a real model, or teach core/demo/content.py the new agents.")
    secret = storage_secret(settings.data_dir, settings.storage_secret and settings.storage_secret.get_secret_value())
    configure_logging(settings.data_dir, [settings.openai_api_key or "", secret])
    metrics = Metrics()
    store = Store(settings.database_path, metrics.write)
    store.open()
    bus = Bus(store, observer=metrics)
    llm = LLM(settings, metrics)
    budget = Budget(settings.run_token_budget, settings.run_cost_budget_usd)
    limits = Limits(settings.max_brief_chars, settings.max_feedback_chars, settings.max_concurrent_runs,
                    settings.max_runs_per_user, settings.starts_per_minute)
    identity = Identity(store, settings.auth)
    caller = caller_dependency(identity, settings.allowed_origins)
    execution = command_runner(settings, bus, store, metrics)
    tests = ProjectTests(execution, TEAM, settings.install_packages) if settings.run_tests else None
    runs = RunService(store, bus, partial(run_pipeline, llm=llm, budget=budget, tests=tests,
                                          fix_rounds=settings.fix_rounds),
                      agents=TEAM.names, limits=limits, default_approvals=default_approvals,
                      before_delete=[execution.forget])
    metrics.watch(lambda: runs.active_runs, lambda: runs.queued_runs, connected_clients, lambda: execution.running)

    async def shutdown() -> None:
        await runs.shutdown()
        await execution.shutdown()
        await llm.close()
        await store.close()

    app.on_startup(runs.recover)
    app.on_startup(execution.recover)
    app.on_startup(execution.check)
    app.on_startup(lambda: interrupt_runs_before_exit(runs))
    app.on_shutdown(shutdown)
    if settings.offline_demo:
        app.include_router(demo_router(settings.demo_token_delay_ms, FaultPlan(settings.demo_faults)))
    app.include_router(health_router(runs, connected_clients, settings.offline_demo))
    app.include_router(metrics_router(metrics))
    app.include_router(commands_router(runs.queries, execution, caller))  # before the API's catch-all route
    app.include_router(api_router(runs, TEAM, caller))
    app.include_router(agui_router(runs, caller))
    app.include_router(sign_in_router(identity, settings.allowed_origins))
    app.add_exception_handler(RequestValidationError, validation_problem)
    install_web_security(app, settings)
    install_socket_guard(settings)
    register_pages(runs, LiveRuns(runs.queries), identity, execution, settings.terminal_bytes_per_second,
                   offline_demo=settings.offline_demo)
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
        sys.exit(admin.main(sys.argv[2:]))
    main()
