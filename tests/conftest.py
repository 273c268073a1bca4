"""Shared fixtures: a real SQLite store in a temporary folder, a bus on top of it, and a real demo-model server."""

import pytest

from core.bus import Bus
from core.store import Store
from tests.support.server import start_server


@pytest.fixture(scope="session")
def llm_server(tmp_path_factory):
    """`python main.py` as a subprocess: its offline demo model is the OpenAI-compatible endpoint of the tests."""
    server = start_server(tmp_path_factory.mktemp("llm-server"), {"BOTARMY_DEMO_TOKEN_DELAY_MS": "0"})
    yield server
    server.stop()


@pytest.fixture
async def store(tmp_path):
    store = Store(tmp_path / "botarmy.sqlite3")
    store.open()
    yield store
    await store.close()


@pytest.fixture
def bus(store):
    return Bus(store)
