"""Limits per user on a real server, and hostile or broken input on every way in: each refusal is a 4xx with a
sentence, nothing crashes, and nothing unusable is stored."""

import json
import socket
import time

import httpx
import pytest

from tests.support.demo_model import add_model
from tests.support.server import start_server

BRIEF = "A tool shed sign-out sheet for an allotment society."


@pytest.fixture(scope="module")
def server(tmp_path_factory, demo_models):
    """Every answer stalls mid-stream (and the app waits for it longer than the tests last): runs are still working
    while the limits are tried, however fast or slow the machine, until they are cancelled or the server stops."""
    folder = tmp_path_factory.mktemp("limits")
    model = add_model(demo_models, folder / "model", "stall=1", 0)
    try:
        with start_server(folder / "app", {
                **model.app_env, "BOTARMY_LLM_STALL_TIMEOUT_S": "900", "BOTARMY_MAX_RUNS_PER_USER": "2",
                "BOTARMY_STARTS_PER_MINUTE": "3", "BOTARMY_MAX_CONCURRENT_RUNS": "10"}) as server:
            yield server
    finally:
        model.stop()


def start(api: httpx.Client) -> httpx.Response:
    return api.post("/api/runs", json={"brief": BRIEF})


def start_once_a_run_ends(api: httpx.Client) -> httpx.Response:
    """Start, after the run just cancelled has really stopped working (its task ends a moment later)."""
    for _ in range(100):
        response = start(api)
        if response.status_code != 429 or "working" not in response.json()["detail"]:
            return response
        time.sleep(0.05)
    raise AssertionError("the cancelled run kept its place")


def test_runs_at_once_and_starts_per_minute_are_limited_per_user(server):
    with server.api("fay") as fay, server.api("gus") as gus:
        first, second = start(fay), start(fay)
        assert first.status_code == second.status_code == 201
        third = start(fay)
        assert third.status_code == 429
        assert third.json()["detail"].startswith("You have 2 runs working, the most allowed at once.")
        assert start(gus).status_code == 201, "another user is not held back by fay's runs"
        assert fay.post(f"/api/runs/{first.json()['run_id']}/cancel").status_code == 204
        assert start_once_a_run_ends(fay).status_code == 201
        # That was fay's third start within the minute; a fourth waits, and says how long.
        assert fay.post(f"/api/runs/{second.json()['run_id']}/cancel").status_code == 204
        fourth = start_once_a_run_ends(fay)
        assert fourth.status_code == 429 and "You started 3 runs within a minute" in fourth.json()["detail"]
        assert 1 <= int(fourth.headers["retry-after"]) <= 60
        # Every way in keeps the same count: an AG-UI client is told the same, before any stream.
        agui = fay.post("/agui", json={"threadId": "fay-1", "runId": "r", "state": {}, "tools": [], "context": [],
                                       "messages": [{"id": "m", "role": "user", "content": BRIEF}]})
        assert agui.status_code == 429 and int(agui.headers["retry-after"]) >= 1
    assert "Traceback" not in server.log()


@pytest.mark.parametrize(("body", "status", "detail"), [
    ({"brief": "\x00\x01\x02\u200b   \x7f"}, 422, "the brief is empty"),
    ({"brief": "x" * 8001}, 422, "limit is 8,000"),
    ({"brief": 42}, 422, "brief: Input should be a valid string"),
    ({"brief": None}, 422, "brief"),
    ({}, 422, "brief: Field required"),
    ({"brief": BRIEF, "approvals": "analyst,<script>"}, 422, "Unknown agent '<script>'"),
    ({"brief": BRIEF, "approvals": ["x" * 10_000]}, 422, "Unknown agent"),
])
def test_unusable_briefs_get_a_sentence(server, body, status, detail):
    with server.api("hal") as hal:
        response = hal.post("/api/runs", json=body)
    assert response.status_code == status
    assert detail in response.json()["detail"]


def test_control_characters_and_lone_surrogates_are_dropped_not_stored(server):
    raw = '{"brief": "A bird-ringing log\\u0000 for\\ud800 a \\u001b[31mreserve\\r\\nwith two hides."}'
    with server.api("ivy") as ivy:
        created = ivy.post("/api/runs", content=raw.encode(), headers={"Content-Type": "application/json"})
        assert created.status_code == 201
        run = ivy.get(f"/api/runs/{created.json()['run_id']}").json()
        assert run["brief"] == "A bird-ringing log for a [31mreserve\nwith two hides."
        found = ivy.get("/api/runs?q=%00ringing%1B%20%20log")
        assert found.status_code == 200 and found.json()["total"] == 1
        assert ivy.get("/api/runs?q=%ED%BF%BF").json()["total"] == 0  # an encoded lone surrogate


@pytest.mark.parametrize(("content", "content_type", "status"), [
    (b'{"brief": "caf\xe9 \xff\xfe"}', "application/json", 400),  # not UTF-8
    (b'{"brief": ', "application/json", 422),  # cut short
    (b"[" * 100_000 + b"]" * 100_000, "application/json", 400),  # nested past any parser's depth
    (b"brief=hello", "application/x-www-form-urlencoded", 422),
    (b"\x00" * 1000, "application/octet-stream", 422),
])
def test_broken_bodies_get_a_json_4xx(server, content, content_type, status):
    with server.api("jay") as jay:
        response = jay.post("/api/runs", content=content, headers={"Content-Type": content_type})
    assert response.status_code == status
    assert response.headers["content-type"] == "application/json" and response.json()["detail"]
    assert "Traceback" not in server.log()


def test_odd_paths_queries_and_headers_never_crash(server):
    with server.api("kim") as kim:
        for path in ("/api/runs/%00", "/api/runs/%FF%FE", "/api/runs/..%2F..%2Fetc%2Fpasswd", "/api/runs/" + "a" * 5000,
                     "/api/nothing-here", "/api/runs?limit=1e3", "/api/runs?status=<script>"):
            response = kim.get(path)
            assert 400 <= response.status_code < 500, path
            assert response.json()["detail"]
        assert kim.get("/api/runs?q=%FF%00").json()["total"] == 0  # undecodable bytes are searched for, harmlessly
        agui = kim.post("/agui", json={"threadId": "t\x00", "runId": "r", "state": {}, "tools": [], "context": [],
                                        "messages": [{"id": "m", "role": "user", "content": BRIEF}]})
        assert agui.status_code == 422 and "threadId must be" in agui.json()["detail"]
    # A request line no HTTP client would send: the server answers it and stays up.
    with socket.create_connection(("127.0.0.1", server.port), timeout=5) as raw:
        raw.sendall(b"GET /api/runs?\xff\xfe HTTP/1.1\r\nHost: x\r\nAuthorization: \xff\r\n\r\n")
        assert raw.recv(100).startswith(b"HTTP/1.1 4")
    assert httpx.get(f"{server.url}/health").json()["status"] == "ok"
    assert "Traceback" not in server.log()
    assert json.loads(httpx.get(f"{server.url}/health").text)["store_writable"]
