"""Who may call the API of a real server: a browser's cookie only from the browser's own pages, a token only while
it and its user exist, nobody without either; and the `users` command line that manages them."""

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager

import httpx
import pytest

from tests.support.server import start_server, users_command, users_entry

BRIEF = {"brief": "A key cabinet log for a sailing club."}


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    with start_server(tmp_path_factory.mktemp("access"), {"BOTARMY_DEMO_TOKEN_DELAY_MS": "0",
                                                           "BOTARMY_CORS_ORIGINS": "https://app.example"}) as server:
        yield server


@contextmanager
def browser_session(server) -> Iterator[httpx.Client]:
    """An HTTP client holding the session cookie a browser gets when it opens the dashboard."""
    with httpx.Client(base_url=server.url, timeout=30) as client:
        assert client.get("/").status_code == 200
        assert any(name.startswith("botarmy_session") for name in client.cookies)
        yield client


def test_a_browser_cookie_acts_only_from_the_browsers_own_pages(server):
    with browser_session(server) as browser:
        assert browser.get("/api/runs").status_code == 200  # reading is safe from anywhere
        for headers in ({}, {"Origin": "https://evil.example"}, {"Origin": "null"},
                        {"Referer": "https://evil.example/page"}, {"Origin": f"http://evil.example:{server.port}"}):
            refused = browser.post("/api/runs", json=BRIEF, headers=headers)
            assert refused.status_code == 403, headers
            assert "another site" in refused.json()["detail"]
        assert browser.post("/api/runs", json=BRIEF, headers={"Origin": server.url}).status_code == 201
        assert browser.post("/api/runs", json=BRIEF, headers={"Referer": f"{server.url}/"}).status_code == 201
        # An origin on the configured allow-list (BOTARMY_CORS_ORIGINS) is one of ours too.
        assert browser.post("/api/runs", json=BRIEF, headers={"Origin": "https://app.example"}).status_code == 201
        assert len(browser.get("/api/runs").json()["runs"]) == 3


def test_tokens_work_while_they_and_their_user_exist(server):
    for header in ("Bearer bat_not-a-real-token", "Bearer", "Basic dXNlcjpwYXNz", "bat_missing-scheme"):
        refused = httpx.get(f"{server.url}/api/runs", headers={"Authorization": header})
        assert refused.status_code == 401 and refused.headers["www-authenticate"].startswith("Bearer"), header
        assert refused.json()["detail"].startswith("This API token is not valid")
    with browser_session(server) as both:
        # A bad token is never rescued by a good cookie: the caller meant the token.
        assert both.get("/api/runs", headers={"Authorization": "Bearer bat_wrong"}).status_code == 401
    anonymous = httpx.get(f"{server.url}/api/runs")
    assert anonymous.status_code == 401 and "Sign in, or send an API token" in anonymous.json()["detail"]

    token = server.token("carol")
    with server.api("carol") as carol:
        # A token acts from anywhere: no cookie, so no origin to check.
        assert carol.post("/api/runs", json=BRIEF, headers={"Origin": "https://evil.example"}).status_code == 201
    with sqlite3.connect(server.data_dir / "botarmy.sqlite3") as db:
        stored = db.execute("SELECT token_hash, last_used_ms FROM api_tokens").fetchall()
    assert stored and all(token not in hashed and used for hashed, used in stored)  # only a fingerprint is kept
    assert token not in (server.data_dir / "logs" / "botarmy.log").read_text()
    server.users("remove", "carol")
    assert httpx.get(f"{server.url}/api/runs", headers={"Authorization": f"Bearer {token}"}).status_code == 401


def test_the_users_command_line_explains_what_is_wrong(tmp_path):
    # The refusals through the entry point that `python main.py users` calls, without loading the web app four more
    # times; what succeeds through main.py itself, as an operator runs it.
    def refused(*args: str, password: str = "") -> str:
        with pytest.raises(AssertionError) as failure:
            users_entry(tmp_path, *args, password=password)
        return str(failure.value)

    assert "1 to 64 letters" in refused("add", "no spaces please")
    assert "8 to 1024 characters" in refused("add", "dave", password="short\n")
    assert users_command(tmp_path, "add", "dave", password="long enough now\n") == "Added dave."
    assert "exists already" in refused("add", "DAVE", password="long enough now\n")
    assert "no user named 'erin'" in refused("token", "erin")
    assert users_command(tmp_path, "token", "dave").startswith("bat_")
    assert users_command(tmp_path, "list") == "dave\tpassword"
