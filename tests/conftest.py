"""Shared fixtures: a real SQLite store in a temporary folder, a bus on top of it, and a real demo-model server;
throwaway PostgreSQL and Redis servers for the tests that run on both backends and for the scaled deployment."""

import pytest

from core.eventlog.bus import Bus
from core.eventlog.pg_store import PgStore
from core.eventlog.sqlite_store import Store
from tests.support.engines import postgres_server, redis_server
from tests.support.server import start_server

BACKENDS = ["sqlite", "postgresql"]


@pytest.fixture(scope="session")
def llm_server(tmp_path_factory):
    """`python main.py` as a subprocess: its offline demo model is the OpenAI-compatible endpoint of the tests."""
    with start_server(tmp_path_factory.mktemp("llm-server"), {"BOTARMY_DEMO_TOKEN_DELAY_MS": "0"}) as server:
        yield server


@pytest.fixture
async def store(tmp_path):
    store = Store(tmp_path / "botarmy.sqlite3")
    store.open()
    yield store
    await store.close()


@pytest.fixture
def bus(store):
    return Bus(store)


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
async def any_store(request, tmp_path):
    """The event store on each backend in turn: SQLite in a file, PostgreSQL in a fresh database."""
    if request.param == "sqlite":
        store = Store(tmp_path / "botarmy.sqlite3")
    else:
        store = PgStore(request.getfixturevalue("postgres").new_database())
    store.open()
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
