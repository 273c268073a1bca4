"""BotArmy: five AI agents turn a project brief into reviewed artifacts while you watch every token live.

    python main.py [--host 127.0.0.1] [--port 8080] [--data-dir PATH]     one process, SQLite: everything
    python main.py web [same options]       scaled out: pages, API and AG-UI (BOTARMY_DATABASE_URL, BOTARMY_REDIS_URL)
    python main.py worker [same options]    scaled out: executes runs; serves /health, /metrics (and the demo model)
    python main.py users add|passwd|remove|list|token … [--data-dir PATH]   (see core/users/admin.py)

This file is the composition root: `create_app(settings, role)` builds every part and wires them together without
serving anything; `main` reads the arguments, calls it and serves what it built.
"""

import gc

# Importing the app makes over 200,000 objects that live as long as the process. Collecting while they are made finds
# almost nothing (2,000 of them) yet costs a sixth of a start's CPU (0.35 of 2.2 s); frozen afterwards, they are not
# walked again at every full collection either.
gc.disable()

import argparse
import asyncio
import errno
import logging
import socket
import sys
from collections.abc import Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from functools import partial
from pathlib import Path

import uvicorn
from fastapi import APIRouter, FastAPI
from fastapi.exceptions import RequestValidationError
from fastapi.middleware.gzip import GZipMiddleware
from nicegui import Client, app, ui

from agents.pipeline import Budget, run_pipeline
from agents.revision import edit_refusal
from agents.roles import TEAM
from core.codebase.importing import ImportLimits
from core.demo.content import AGENTS as DEMO_AGENTS
from core.demo.faults import FaultPlan
from core.domain.inputs import InputError, parse_approvals, parse_models
from core.engine.commands import Limits, RunDefaults, RunService
from core.engine.executor import Executor
from core.engine.jobs import JobRunner
from core.engine.queries import RunQueries
from core.engine.runner import shared_lock
from core.engine.worker import Worker
from core.engine.execution import CommandLimits, ExecutionService
from core.engine.project_tests import ProjectTests
from core.eventlog.bus import Bus
from core.eventlog.redis_fanout import RedisEventFanout, RedisHub
from core.limits.redis_buckets import RedisBuckets
from core.limits.shared import PerKeyLimit
from core.llm.client import LLM, default_model
from core.obs.logs import configure_logging
from core.obs.metrics import Metrics
from core.sandbox import base as sandbox
from core.sandbox.bubblewrap import Bubblewrap
from core.sandbox.unsandboxed import Unsandboxed
from core.settings import OrchestratorName, Role, SandboxName, Settings
from core.storage.backends import ScaledStorage, postgres_storage, sqlite_storage, storage_for
from core.trace import TRACE
from core.users import admin
from core.users.identity import (
    SECRET_DIFFERS,
    SECRET_REQUIRED,
    SESSION_MAX_AGE_S,
    Identity,
    secret_fingerprint,
    session_cookie,
    storage_secret,
)
from core.web.access import PageRedirects, caller_dependency, sign_in_router
from core.web.agui import agui_router
from core.web.api import api_router
from core.web.bench_route import bench_router
from core.web.commands_api import commands_router
from core.web.demo_route import demo_router
from core.web.garbage import Collections
from core.web.hardening import install_web_security
from core.web.health import health_router
from core.web.lifecycle import interrupt_runs_before_exit
from core.web.metrics_route import metrics_router
from core.web.problems import validation_problem
from core.web.revisions_api import revisions_router
from core.web.startup_gate import StartupGate, WaitForStart
from core.workspace.workspaces import Workspaces
from ui.floor_page import register_floor_page
from ui.live import LiveRuns
from ui.markdown import warm_up
from ui.pages import register_pages
from ui.socket_guard import install_socket_guard

gc.enable()
gc.freeze()

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


def command_runner(settings: Settings, bus: Bus, queries: RunQueries, metrics: Metrics) -> ExecutionService:
    """Commands in runs' workspaces, in the sandbox the settings choose. Scaled out, each process runs its own (a web
    instance the user's commands, a worker the tests of the runs it works) and sweeps away the workspaces of runs
    deleted through other processes."""
    mb = 1 << 20
    limits = sandbox.Limits(wall_s=settings.command_timeout_s, cpu_s=settings.command_cpu_s,
                            memory_bytes=settings.command_memory_mb * mb, processes=settings.command_processes,
                            file_bytes=settings.command_file_mb * mb)
    runner = Bubblewrap(limits, settings.bwrap) if settings.sandbox == SandboxName.BUBBLEWRAP else Unsandboxed(limits)
    return ExecutionService(
        bus, queries, runner, Workspaces(settings.data_dir), TEAM,
        CommandLimits(keep_chars=settings.command_output_kb * 1024, log_bytes=settings.command_log_mb * mb,
                      max_running=settings.max_concurrent_commands, wall_s=settings.command_timeout_s),
        observer=metrics, sweep_s=settings.workspace_sweep_s if settings.scaled else None)


def import_limits(settings: Settings) -> ImportLimits:
    """What a zip of existing code may hold: its own size, its files, and their size uncompressed."""
    mb = 1 << 20
    return ImportLimits(zip_bytes=settings.import_zip_mb * mb, files=settings.import_files,
                        total_bytes=settings.import_total_mb * mb,
                        file_bytes=min(ImportLimits.file_bytes, settings.import_total_mb * mb))


SCALED_NEEDS_BOTH = ("`python main.py {role}` needs BOTARMY_DATABASE_URL (postgresql://…) and BOTARMY_REDIS_URL "
                     "(redis://…): web instances and workers share runs through them.")
SINGLE_WITH_URLS = ("BOTARMY_DATABASE_URL or BOTARMY_REDIS_URL is set: start `python main.py web` and "
                    "`python main.py worker` for a scaled deployment, or unset them for one process on SQLite.")
# A worker serves only /health, /metrics and its demo model: its own port, so it can share a host with a web
# instance (which takes BOTARMY_PORT's default, 8080) without either dying with "address already in use".
WORKER_PORT = 8090

log = logging.getLogger("botarmy")


class StartupRefused(Exception):
    """The settings do not make a process that can start; the message says why, in a sentence."""


@dataclass(frozen=True)
class BotArmy:
    """One process of BotArmy, built and wired, not serving yet."""

    role: Role
    asgi: FastAPI  # NiceGUI's app (pages, API, AG-UI), or a worker's own small service
    serve: Callable[[], None]  # blocks until the server stops


def create_app(settings: Settings, role: Role = Role.SINGLE) -> BotArmy:
    """Build every part of a process for `role`; StartupRefused when the settings cannot make one."""
    if role == Role.SINGLE and settings.scaled:
        raise StartupRefused(SINGLE_WITH_URLS)
    if role != Role.SINGLE and not (settings.database_url and settings.redis_url):
        raise StartupRefused(SCALED_NEEDS_BOTH.format(role=role))
    if settings.offline_demo and (missing := [name for name in TEAM.names if name not in DEMO_AGENTS]):
        raise StartupRefused(f"The offline demo model has no answers for the agent(s) {', '.join(missing)}. Set "
                             "OPENAI_API_KEY to use a real model, or teach core/demo/content.py the new agents.")
    if role == Role.WORKER:
        return _worker(settings)
    return _web(settings, role)


def _demo_model(settings: Settings) -> APIRouter:
    """The offline demo model's endpoint, as the settings pace it."""
    return demo_router(settings.demo_token_delay_ms, FaultPlan(settings.demo_faults), settings.demo_tokens_per_chunk)


def _web(settings: Settings, role: Role) -> BotArmy:
    """The one process of the embedded deployment, or a web instance of the scaled one."""
    try:
        default_approvals = (TEAM.default_approvals if settings.approvals is None
                             else parse_approvals(settings.approvals, TEAM.names))
    except InputError as error:
        raise StartupRefused(f"BOTARMY_APPROVALS: {error}") from error
    try:
        models = parse_models(settings.models, TEAM.names)
    except InputError as error:
        raise StartupRefused(f"BOTARMY_MODELS: {error}") from error
    defaults = RunDefaults(models={name: models.get(name, default_model(settings)) for name in TEAM.names},
                           prompts=TEAM.prompts, soft_budget_usd=settings.run_cost_soft_usd,
                           run_tests=settings.run_tests)
    limits = Limits(settings.max_brief_chars, settings.max_feedback_chars, settings.max_concurrent_runs,
                    settings.max_runs_per_user, settings.starts_per_minute)
    if role == Role.SINGLE:
        secret = storage_secret(settings.data_dir,
                                settings.storage_secret and settings.storage_secret.get_secret_value())
    elif settings.storage_secret is None:
        raise StartupRefused(SECRET_REQUIRED)
    else:
        secret = settings.storage_secret.get_secret_value()
    metrics = Metrics()
    configure_logging(settings.data_dir, [*secrets_of(settings), secret])
    if role == Role.SINGLE:
        storage = sqlite_storage(settings.database_path, metrics.write)
        bus = Bus(storage.log, observer=metrics)
        queries = RunQueries(storage.catalogue, storage.log, bus)  # the process's one: its views are shared
        llm = LLM(settings, metrics)
        execution = command_runner(settings, bus, queries, metrics)
        orchestrator, controlflow = orchestrator_for(settings, llm, execution)
        runs = RunService(storage.catalogue, storage.log, bus, orchestrator, agents=TEAM.names, limits=limits,
                          default_approvals=default_approvals, defaults=defaults, before_delete=[execution.forget],
                          queries=queries, push_to_paths=settings.push_to_paths,
                          edit_refusal=edit_refusal)
        checks, closing = {}, [llm.close, storage.close]
        if controlflow is not None:
            app.on_startup(controlflow.start)
            closing.insert(0, controlflow.stop)
    else:
        controlflow = None  # a web instance works no runs: its workers do
        storage, hub, buckets = scaled_parts(settings, metrics)
        if storage.agreed_fact("storage_secret_sha256", secret_fingerprint(secret)) != secret_fingerprint(secret):
            raise StartupRefused(SECRET_DIFFERS)
        bus = Bus(storage.log, observer=metrics, fanout=RedisEventFanout(hub))
        queries = RunQueries(storage.catalogue, storage.log, bus)  # the process's one: its views are shared
        execution = command_runner(settings, bus, queries, metrics)  # the user's commands; workers run the tests
        runner = JobRunner(storage.jobs, hub, bus, queries, held_s=settings.lease_seconds)
        runs = RunService(storage.catalogue, storage.log, bus, None, agents=TEAM.names, limits=limits,
                          default_approvals=default_approvals, defaults=defaults, runner=runner,
                          control=shared_lock(storage.control_lock),
                          starts=PerKeyLimit("starts", settings.starts_per_minute, buckets),
                          before_delete=[execution.forget], queries=queries, push_to_paths=settings.push_to_paths,
                          edit_refusal=edit_refusal)
        checks, closing = {"redis": hub.ping}, [hub.close, buckets.close, storage.close]
    identity = Identity(storage.users, settings.auth, storage.catalogue.adopt_unowned_runs)
    caller = caller_dependency(identity, settings.allowed_origins)
    metrics.watch(lambda: runs.active_runs, lambda: runs.queued_runs, connected_clients, lambda: execution.running)

    async def shutdown() -> None:
        await runs.shutdown()
        await execution.shutdown()
        for close in closing:
            await close()

    gate = StartupGate(runs.recover, execution.recover)
    app.on_startup(gate.run)
    app.add_middleware(WaitForStart, gate=gate)
    app.on_startup(execution.check)
    app.on_startup(warm_up)
    collector = Collections()
    app.on_startup(collector.run)
    app.on_delete(collector.closed)
    app.on_startup(lambda: interrupt_runs_before_exit(runs))
    app.on_shutdown(shutdown)
    if settings.offline_demo and role == Role.SINGLE:  # scaled, the workers serve the demo model to themselves
        app.include_router(_demo_model(settings))
    app.include_router(health_router(role, runs.queries.writable, checks, runs.runner.counts, connected_clients,
                                     settings.offline_demo, "sqlite" if role == Role.SINGLE else "postgresql",
                                     settings.orchestrator, lambda: controlflow is None or controlflow.ready))
    app.include_router(metrics_router(metrics))
    app.include_router(commands_router(runs.queries, execution, caller))  # before the API's catch-all route
    app.include_router(revisions_router(runs, caller))  # before the API's catch-all route too
    app.include_router(api_router(runs, TEAM, caller, import_limits(settings)))
    app.include_router(agui_router(runs, caller))
    app.include_router(sign_in_router(identity, settings.allowed_origins))
    app.add_exception_handler(RequestValidationError, validation_problem)
    install_web_security(app, settings)
    install_socket_guard(settings)
    register_pages(runs, LiveRuns(runs.queries), identity, execution, PageRedirects(),
                   settings.terminal_bytes_per_second, offline_demo=settings.offline_demo,
                   import_limits=import_limits(settings))
    if settings.bench_pages:
        TRACE.on = True
        app.include_router(bench_router())
        register_floor_page()

    def serve() -> None:
        ui.run(host=settings.host, port=settings.port, title="BotArmy", show=False, reload=False,
               favicon="🤖", reconnect_timeout=10, fastapi_docs=API_DOCS,
               storage_secret=secret, session_middleware_kwargs={
                   "session_cookie": session_cookie(settings.port, scaled=role != Role.SINGLE),
                   "max_age": SESSION_MAX_AGE_S, "same_site": "lax", "https_only": settings.secure_cookies},
               # UnoCSS's runtime looks at a mutation only for classes it has not seen; Tailwind's rebuilds its styles
               # on every change of the page, which streaming text makes dozens of times a second.
               unocss="wind4",
               # Socket messages are small and frequent: compressing each costs the server more than it saves.
               ws_per_message_deflate=False,
               # Every response is compressed anew, on the event loop: at Starlette's level 9 the 55 files of a first
               # visit to a run cost the server 290 ms of CPU, at level 1 (nginx's default) 150 ms, for 16 % more
               # bytes (1.44 MB instead of 1.24), which a browser then keeps (NiceGUI's files are immutable).
               gzip_middleware_factory=partial(GZipMiddleware, compresslevel=1),
               log_config=None)  # uvicorn keeps the handlers configure_logging set, so stderr stays JSON

    return BotArmy(role, app, serve)


def secrets_of(settings: Settings) -> list[str]:
    """What no log line may show: the API key and the URLs (which may carry passwords)."""
    urls = [url.get_secret_value() for url in (settings.database_url, settings.redis_url) if url is not None]
    return [settings.openai_api_key or "", *urls]


def orchestrator_for(settings: Settings, llm: LLM, execution: ExecutionService):
    """The native pipeline, or ControlFlow's (returned twice: it also starts and stops its Prefect server), running
    the project's tests with `execution` unless the run turned them off. ControlFlow is imported only when chosen,
    so the default loads none of it."""
    budget = Budget(settings.run_token_budget, settings.run_cost_budget_usd)
    options = {"tests": ProjectTests(execution, TEAM, settings.install_packages), "fix_rounds": settings.fix_rounds,
               "repair_rounds": settings.repair_rounds, "context_tokens": settings.context_tokens}
    if settings.orchestrator != OrchestratorName.CONTROLFLOW:
        return partial(run_pipeline, llm=llm, budget=budget, **options), None
    from agents.controlflow.orchestrator import NOT_INSTALLED, ControlFlowOrchestrator, installed
    if not installed():
        raise StartupRefused(NOT_INSTALLED)
    controlflow = ControlFlowOrchestrator(settings.data_dir, llm, budget, **options)
    return controlflow, controlflow


def scaled_parts(settings: Settings, metrics: Metrics) -> tuple[ScaledStorage, RedisHub, RedisBuckets]:
    """The stores in PostgreSQL (opened: tables made), and Redis for messages and shared limits."""
    storage = postgres_storage(settings.database_url.get_secret_value(), metrics.write)
    redis_url = settings.redis_url.get_secret_value()
    return storage, RedisHub(redis_url), RedisBuckets(redis_url)


def _worker(settings: Settings) -> BotArmy:
    """Claims runs and works them; over HTTP it answers /health and /metrics, and serves the offline demo model
    to its own runs when there is no API key."""
    metrics = Metrics()
    configure_logging(settings.data_dir, secrets_of(settings))
    storage, hub, buckets = scaled_parts(settings, metrics)
    bus = Bus(storage.log, observer=metrics, fanout=RedisEventFanout(hub))
    queries = RunQueries(storage.catalogue, storage.log, bus)  # the process's one: its views are shared
    llm = LLM(settings, metrics, shared_limits=buckets)
    execution = command_runner(settings, bus, queries, metrics)  # the project's tests of the runs it works
    orchestrator, controlflow = orchestrator_for(settings, llm, execution)
    executor = Executor(bus, queries, orchestrator, settings.max_concurrent_runs)
    runs = Worker(storage.jobs, hub, executor, capacity=settings.max_concurrent_runs, lease_s=settings.lease_seconds)
    metrics.watch(lambda: runs.active_runs, lambda: 0, lambda: 0, lambda: execution.running)

    async def counts() -> tuple[int, int]:
        return runs.active_runs, 0

    @asynccontextmanager
    async def lifespan(_: FastAPI):
        if controlflow is not None:
            await controlflow.start()
        await execution.recover()
        await execution.check()
        await runs.start()
        interrupt_runs_before_exit(runs)
        collector = asyncio.create_task(Collections().run())
        yield
        collector.cancel()
        await asyncio.gather(collector, return_exceptions=True)
        await runs.shutdown()
        await execution.shutdown()
        if controlflow is not None:
            await controlflow.stop()
        for close in (llm.close, hub.close, buckets.close, storage.close):
            await close()

    service = FastAPI(title="BotArmy worker", lifespan=lifespan, docs_url=None, redoc_url=None)
    if settings.offline_demo:
        service.include_router(_demo_model(settings))
    if settings.bench_pages:  # the demo model's stamps of when it sent each chunk
        TRACE.on = True
        service.include_router(bench_router())
    service.include_router(health_router(Role.WORKER, storage.log.check_writable, {"redis": hub.ping}, counts,
                                         lambda: 0, settings.offline_demo, "postgresql", settings.orchestrator,
                                         lambda: controlflow is None or controlflow.ready))
    service.include_router(metrics_router(metrics))

    def serve() -> None:
        listening = worker_socket(settings)
        host, port = listening.getsockname()[:2]
        log.info("worker listening on http://%s:%d (/health, /metrics)", host, port)
        uvicorn.Server(uvicorn.Config(service, log_config=None)).run(sockets=[listening])

    return BotArmy(Role.WORKER, service, serve)


def worker_socket(settings: Settings) -> socket.socket:
    """The worker's listening socket: the port asked for (BOTARMY_PORT or --port), else WORKER_PORT, else, when
    another process holds that one, a free port."""
    asked = "port" in settings.model_fields_set
    listening = socket.socket(socket.AF_INET6 if ":" in settings.host else socket.AF_INET)
    listening.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        listening.bind((settings.host, settings.port if asked else WORKER_PORT))
    except OSError as error:
        if asked or error.errno != errno.EADDRINUSE:
            raise
        listening.bind((settings.host, 0))
    listening.listen(2048)
    return listening


def main(argv: list[str]) -> None:
    if argv[:1] == ["users"]:
        sys.exit(admin.main(argv[1:], storage_for))
    role = Role(argv[0]) if argv[:1] and argv[0] in (Role.WEB, Role.WORKER) else Role.SINGLE
    try:
        botarmy = create_app(Settings(**parse_args()), role)
    except StartupRefused as refused:
        sys.exit(str(refused))
    botarmy.serve()




if __name__ in {"__main__", "__mp_main__"}:
    main(sys.argv[1:])
