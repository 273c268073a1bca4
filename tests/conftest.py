"""Shared fixtures: a real SQLite store in a temporary folder, a bus on top of it, and a real demo-model server."""

import pytest

from core.eventlog.bus import Bus
from core.eventlog.sqlite_store import Store
from tests.support.server import start_server


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
