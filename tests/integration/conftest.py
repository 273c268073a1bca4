"""Fixtures shared by the integration modules that keep one server for the module."""

import pytest


@pytest.fixture(scope="module")
def api(server):
    """An API client of the module's server, acting as its test user."""
    with server.api() as client:
        yield client
