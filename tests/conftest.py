"""Shared fixtures: the real SQLite stores in a temporary folder, a bus on top of them, and a real demo-model server;
servers of the app shared per configuration; throwaway PostgreSQL and Redis servers for the tests that run on every
backend and for the scaled deployment. And the ControlFlow orchestrator's tests, started in the background once the
browser tests are done on a worker.

Under pytest-xdist every worker process has its own session fixtures (servers, databases, temporary folders); what
the workers share on disk (npm installs, the ControlFlow environment) is made under a file lock."""

import os
import uuid

import pytest

from core.eventlog.bus import Bus
from core.storage.backends import sqlite_storage
from tests.support import controlflow_run
from tests.support.demo_model import add_model
from tests.support.engines import postgres_server, redis_server
from tests.support.server import ROOT, TOKENS_PER_CHUNK, UNPACED, start_server
from tests.support.shared_servers import SharedServers
from tests.support.stores import BACKENDS, Backend, memory_backend, postgres_backend, sqlite_backend

_background: list = []  # the ControlFlow job, in the process that started it


def pytest_configure(config):
    os.environ.setdefault(controlflow_run.SESSION, uuid.uuid4().hex)  # the workers inherit the first process's


# The folders whose files take longest, in the order their files are handed out. xdist gives each worker a file at a
# time, in this order (`--no-loadscope-reorder` in pyproject.toml), so the long files start first and the many short
# ones of the other folders (contract, unit, ui) come last, filling in until both workers are done instead of one
# waiting for the other's long file.
LONG_FIRST = ("tests/e2e/", "tests/integration/")


def pytest_collection_modifyitems(items):
    """The long files first (LONG_FIRST); the ControlFlow test waits for its job, so its file goes last and every
    other test runs meanwhile."""
    last = controlflow_run.TEST.split("::")[0]

    def order(item) -> tuple[bool, int]:
        folder = next((rank for rank, prefix in enumerate(LONG_FIRST) if item.nodeid.startswith(prefix)),
                      len(LONG_FIRST))
        return item.nodeid.startswith(last), folder

    items.sort(key=order)  # a stable sort: within a folder, the files keep their order


_controlflow = {"wanted": False}  # in the process that schedules the tests: the ControlFlow test is selected


def pytest_collection_finish(session):
    """Without xdist: this process collected the tests and runs them."""
    if not hasattr(session.config, "workerinput") and controlflow_run.TEST in {item.nodeid for item in session.items}:
        _controlflow["wanted"] = True


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_node_collection_finished(node, ids):
    """Under xdist, in the controller: the first worker that finished collecting says which tests will run."""
    if controlflow_run.TEST in ids:
        _controlflow["wanted"] = True


def pytest_runtest_logreport(report):
    """The ControlFlow job starts once a worker is past the browser tests (the first folder of LONG_FIRST): beside
    them both cores are busy, while the integration tests after them leave about half of the CPU idle, waiting on
    their servers. Its test, last, starts the job itself if nothing did."""
    if _controlflow["wanted"] and report.when == "teardown" and not report.nodeid.startswith(LONG_FIRST[0]):
        _controlflow["wanted"] = False
        if job := controlflow_run.start():
            _background.append(job)


def pytest_sessionfinish(session):
    for job in _background:
        controlflow_run.stop(job)


@pytest.fixture(scope="session")
def servers(tmp_path_factory):
    """`servers.get(env, nodeid)`: the session's server of a configuration, as a user of the test's (or module's)
    own (tests/support/shared_servers.py)."""
    shared = SharedServers(tmp_path_factory.mktemp("shared-servers"))
    yield shared
    shared.stop()


@pytest.fixture(scope="session")
def llm_server(servers):
    """`python main.py` as a subprocess: its offline demo model is the OpenAI-compatible endpoint of the tests (the
    session's unpaced server, which API tests share)."""
    return servers.get(UNPACED, "llm_server")


@pytest.fixture
def app_server(servers, request, tmp_path):
    """`app_server(env)`: the app with these settings for this test, which acts on it as a user of its own: the
    session's server of that configuration; or, for a test marked `own_server` (it stops, kills or restarts the
    server), a process of its own, stopped after the test."""
    own = []

    def get(env: dict[str, str]):
        if request.node.get_closest_marker("own_server") is None:
            return servers.get(env, request.node.nodeid)
        own.append(start_server(tmp_path / "data", env))
        return own[-1]

    yield get
    for server in own:
        server.stop()


@pytest.fixture
async def store(tmp_path):
    """The event log, the run catalogue and the user store of one SQLite file (core.storage.backends.Storage)."""
    store = sqlite_storage(tmp_path / "botarmy.sqlite3")
    yield store
    await store.close()


@pytest.fixture
def bus(store):
    return Bus(store.log)


@pytest.fixture(scope="session")
def postgres():
    """One PostgreSQL server for the session; each test that needs it takes a fresh database (`new_database`)."""
    with postgres_server() as server:
        yield server


@pytest.fixture(scope="session")
def redis_service():
    with redis_server() as server:
        yield server


@pytest.fixture(params=BACKENDS)
def backend(request, tmp_path) -> Backend:
    """Each backend in turn: SQLite in a file, PostgreSQL in a fresh database, memory."""
    if request.param == "sqlite":
        return sqlite_backend(tmp_path / "botarmy.sqlite3")
    if request.param == "postgresql":
        return postgres_backend(request.getfixturevalue("postgres").new_database())
    return memory_backend()


@pytest.fixture
async def any_store(backend):
    """The stores of `backend`'s database, opened."""
    store = backend.open()
    yield store
    await store.close()


@pytest.fixture(scope="session")
def demo_models(tmp_path_factory):
    """The process that serves the session's fault-injecting demo models (tests/support/demo_model.py)."""
    with start_server(tmp_path_factory.mktemp("demo-models"), {"PYTHONPATH": str(ROOT)},
                      program=["-m", "tests.support.demo_model"]) as process:
        yield process


@pytest.fixture
def fault_server(demo_models, tmp_path):
    """Start demo models that inject the given faults (see core/demo/faults.py), each on a port of its own (a fault
    script is used up by the requests that meet it); stopped after the test."""
    models = []

    def start(faults: str, delay_ms: float = 0, tokens_per_chunk: int = TOKENS_PER_CHUNK):
        models.append(add_model(demo_models, tmp_path / f"faults-{len(models)}", faults, delay_ms, tokens_per_chunk))
        return models[-1]

    yield start
    for model in models:
        model.stop()
