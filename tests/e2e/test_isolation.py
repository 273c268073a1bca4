"""Two people on one server, each with their own browser and API token: neither can see, follow, steer or even
detect the other's runs, however they guess, enumerate or subscribe."""

import threading
import uuid

import httpx
from playwright.sync_api import Page, expect

from tests.support.browser import create_api_token, start_run

MINE = "A canoe rental desk for Lake Alpha-Marker-7731, with life-jacket sizes."
THEIRS = "A bakery pre-order board for Beta-Marker-2290 street, with allergy notes."
RUN_PATHS = ["/api/runs/{run}", "/api/runs/{run}/events?follow=false", "/api/runs/{run}/events",
             "/api/runs/{run}/artifacts", "/api/runs/{run}/artifacts.zip"]
COMMANDS = ["approve", "pause", "cancel", "resume", "retry/analyst"]


def page_text(page: Page) -> str:
    return page.evaluate("document.documentElement.outerHTML")


def test_two_browsers_and_two_tokens_never_cross(server, pages):
    mine = pages(server.url)
    start_run(mine, MINE, until_working="analyst", log=server)
    my_run, my_url = mine.url.rsplit("/", 1)[-1], mine.url
    theirs = pages(server.url, user="other")
    start_run(theirs, THEIRS, until_working="analyst", log=server)
    their_run = theirs.url.rsplit("/", 1)[-1]

    # While both stream, neither page ever holds a word of the other's run.
    for _ in range(10):
        assert "Beta-Marker" not in page_text(mine) and "Alpha-Marker" not in page_text(theirs)
        mine.wait_for_timeout(200)

    # A guessed URL: the same "does not exist" page, with a 404, as for a run that never existed.
    spy = pages(server.url, user="other")
    for url in (my_url, f"{server.url}/runs/{uuid.uuid4().hex}"):
        assert spy.goto(url).status == 404
        expect(spy.get_by_test_id("run-not-found")).to_be_visible()
        expect(spy.get_by_test_id("transcript")).to_have_count(0)
    assert "Alpha-Marker" not in page_text(spy)

    # Their history, dashboard and API list hold only their own run.
    spy.goto(f"{server.url}/runs")
    expect(spy.get_by_test_id("run-row")).to_have_count(1)
    expect(spy.get_by_test_id("run-row")).to_have_attribute("data-run-id", their_run)
    their_token, my_token = create_api_token(spy, server.url), create_api_token(pages(server.url), server.url)
    assert their_token != my_token
    for token, own in ((their_token, their_run), (my_token, my_run)):
        listed = httpx.get(f"{server.url}/api/runs", headers=bearer(token)).json()
        assert [row["run_id"] for row in listed["runs"]] == [own] and listed["total"] == 1

    # Every read of my run, by their cookie or their token, is the 404 of a run that does not exist; so is every
    # command, sent from our own origin so that only ownership can refuse it.
    unknown = uuid.uuid4().hex
    for path in RUN_PATHS:
        for run in (my_run, unknown):
            by_token = httpx.get(server.url + path.format(run=run), headers=bearer(their_token), timeout=10)
            by_cookie = spy.request.get(server.url + path.format(run=run))
            assert (by_token.status_code, by_token.json()) == (404, {"detail": "No such run."}), path
            assert (by_cookie.status, by_cookie.json()) == (404, {"detail": "No such run."}), path
    for command in COMMANDS:
        response = spy.request.post(f"{server.url}/api/runs/{my_run}/{command}", headers={"Origin": server.url})
        assert response.status == 404, command
    for method, body in (("PATCH", {"title": "mine now"}), ("DELETE", None)):
        response = httpx.request(method, f"{server.url}/api/runs/{my_run}", json=body, headers=bearer(their_token))
        assert response.status_code == 404

    # Enumeration: a run of mine is indistinguishable from the ids around it, and none of those answer.
    for guess in [my_run, *(my_run[:-1] + digit for digit in "0123456789abcdef" if digit != my_run[-1])]:
        assert httpx.get(f"{server.url}/api/runs/{guess}", headers=bearer(their_token)).status_code == 404

    # Following my run over AG-UI from their token: a thread of theirs, not my run.
    agui = httpx.post(f"{server.url}/agui", headers=bearer(their_token), timeout=30, json={
        "threadId": my_run, "runId": "r", "state": {}, "tools": [], "context": [], "messages": [],
        "resume": [{"interruptId": "approval:analyst:1", "status": "resolved"}]})
    assert agui.status_code == 404

    # My run went on untouched, and my own token reads it.
    expect(mine.get_by_test_id("run-status")).to_have_attribute("data-status", "completed", timeout=90_000)
    assert httpx.get(f"{server.url}/api/runs/{my_run}", headers=bearer(my_token)).json()["status"] == "completed"
    assert not [event for event in server.events(my_run) if event["type"] == "CUSTOM"
                and event["name"] in ("pause_requested", "approval_decided")]


def test_a_foreign_event_stream_stays_closed_while_the_run_streams(server, pages):
    """Subscribing to another user's live stream, repeatedly, while it streams: refused every time, and the owner's
    own stream of the same run delivers every event."""
    mine = pages(server.url)
    start_run(mine, MINE, until_working="analyst", log=server)
    my_run = mine.url.rsplit("/", 1)[-1]
    their_token = create_api_token(pages(server.url, user="other"), server.url)
    my_token = create_api_token(pages(server.url), server.url)
    mine_seen: list[int] = []

    def follow_my_own() -> None:
        with httpx.stream("GET", f"{server.url}/api/runs/{my_run}/events", headers=bearer(my_token),
                          timeout=90) as stream:
            for line in stream.iter_lines():
                if line.startswith("id: "):
                    mine_seen.append(int(line[4:]))
                if '"type":"RUN_FINISHED"' in line:
                    return

    follower = threading.Thread(target=follow_my_own)
    follower.start()
    attempts = 0
    while follower.is_alive() and attempts < 40:
        for headers in (bearer(their_token), {**bearer(their_token), "Last-Event-ID": "0"}):
            with httpx.stream("GET", f"{server.url}/api/runs/{my_run}/events", headers=headers,
                              timeout=10) as stream:
                assert stream.status_code == 404
                assert "TEXT_MESSAGE" not in stream.read().decode()
        attempts += 1
    follower.join(90)
    assert mine_seen == list(range(1, len(server.events(my_run)) + 1))


def test_the_same_agui_thread_name_is_two_runs_for_two_users(fast_server):
    server = fast_server
    body = {"threadId": "team-standup", "runId": "r1", "state": {}, "tools": [], "context": [],
            "forwardedProps": {"approvals": "analyst"}}
    tokens = {name: server.token(name) for name in ("ann", "ben")}
    for name, token in tokens.items():
        brief = f"A stand-up timer for {name}'s team."
        with httpx.stream("POST", f"{server.url}/agui", headers=bearer(token), timeout=90,
                          json={**body, "messages": [{"id": "m", "role": "user", "content": brief}]}) as response:
            assert response.status_code == 200
            text = response.read().decode()
        assert f"{name}'s team" in text and ("ben" if name == "ann" else "ann") + "'s team" not in text
    runs = server.runs_of_thread("team-standup")
    assert len(runs) == 2
    briefs = {server.events(run)[0]["value"]["brief"] for run in runs}
    assert briefs == {"A stand-up timer for ann's team.", "A stand-up timer for ben's team."}


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}
