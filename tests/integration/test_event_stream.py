"""GET /api/runs/{id}/events: the run's stored events as SSE, `id:` = sequence number, and a reconnect with
Last-Event-ID goes on exactly where the last stream stopped."""

import json

import httpx
import pytest


@pytest.fixture(scope="module")
def server(servers, request):
    return servers.get({"BOTARMY_DEMO_TOKEN_DELAY_MS": "2"}, request.node.nodeid)


@pytest.fixture(scope="module")
def some_run(server) -> str:
    return server.api().post("/api/runs", json={"brief": "A reading list."}).json()["run_id"]


def read_frames(response: httpx.Response, *, stop_after: int | None = None) -> list[tuple[int, dict]]:
    """(id, event) of each frame, until the run's end or `stop_after` frames; comment lines are skipped."""
    frames, event_id = [], None
    for line in response.iter_lines():
        if line.startswith("id: "):
            event_id = int(line[4:])
        elif line.startswith("data: "):
            event = json.loads(line[6:])
            frames.append((event_id, event))
            if len(frames) == stop_after or event["type"] in ("RUN_FINISHED", "RUN_ERROR"):
                break
    return frames


def test_a_reconnect_with_last_event_id_loses_and_repeats_nothing(server):
    api = server.api()
    run_id = api.post("/api/runs", json={"brief": "A plant watering planner for a balcony."}).json()["run_id"]
    url = f"/api/runs/{run_id}/events"
    with api.stream("GET", url) as response:
        assert response.headers["content-type"].startswith("text/event-stream")
        first = read_frames(response, stop_after=40)  # then the connection drops mid-run
    received, streams = list(first), 1
    while received[-1][1]["type"] != "RUN_FINISHED":  # as an EventSource would: reconnect from the last id seen
        with api.stream("GET", url, headers={"Last-Event-ID": str(received[-1][0])}) as response:
            received += read_frames(response, stop_after=100)
        streams += 1
    stored = server.events(run_id)
    assert [seq for seq, _ in received] == list(range(1, len(stored) + 1))
    assert [event for _, event in received] == stored
    assert streams >= 3  # it really was cut into several streams


def test_replay_only_from_a_sequence_number(server):
    api = server.api()
    run_id = api.post("/api/runs", json={"brief": "A tiny expense splitter for flatmates."}).json()["run_id"]
    with api.stream("GET", f"/api/runs/{run_id}/events") as response:
        read_frames(response)  # until the run finished
    stored = server.events(run_id)
    response = api.get(f"/api/runs/{run_id}/events", params={"after": 10, "follow": "false"})
    ids = [int(line[4:]) for line in response.text.splitlines() if line.startswith("id: ")]
    assert ids == list(range(11, len(stored) + 1))
    assert "\r" not in response.text


@pytest.mark.parametrize(("path", "headers", "status"), [
    ("/api/runs/no-such-run/events", {}, 404),
    ("/api/runs/{run}/events", {"Last-Event-ID": "yesterday"}, 422),
    ("/api/runs/{run}/events?after=-1", {}, 422),
    ("/api/runs/{run}/events?after=99999999999999999999", {}, 422),  # beyond SQLite's integers
    ("/api/runs?offset=270943441370179035987968", {}, 422),  # found by schemathesis: was a 500
])
def test_bad_requests_get_a_clear_answer(server, some_run, path, headers, status):
    response = server.api().get(path.format(run=some_run), headers=headers)
    assert response.status_code == status
    assert response.json()["detail"]
