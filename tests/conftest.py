"""Shared fixtures: the real SQLite stores in a temporary folder, a bus on top of them, and a real demo-model server;
throwaway PostgreSQL and Redis servers for the tests that run on every backend and for the scaled deployment."""

import pytest

from core.eventlog.bus import Bus
from core.storage.backends import sqlite_storage
from tests.support.engines import postgres_server, redis_server
from tests.support.server import start_server
from tests.support.stores import BACKENDS, Backend, memory_backend, postgres_backend, sqlite_backend


@pytest.fixture(scope="session")
def llm_server(tmp_path_factory):
    """`python main.py` as a subprocess: its offline demo model is the OpenAI-compatible endpoint of the tests."""
    with start_server(tmp_path_factory.mktemp("llm-server"), {"BOTARMY_DEMO_TOKEN_DELAY_MS": "0"}) as server:
        yield server


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


@pytest.fixture
def fault_server(tmp_path):
    """Start demo-model servers that inject the given faults (see core/demo_faults.py); stopped after the test."""
    servers = []

    def start(faults: str, delay_ms: float = 0):
        server = start_server(tmp_path / f"faults-{len(servers)}",
                              {"BOTARMY_DEMO_FAULTS": faults, "BOTARMY_DEMO_TOKEN_DELAY_MS": str(delay_ms)})
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.stop()
