"""A run on the ControlFlow orchestrator is the run the native one makes: same artifacts, same events, same
steering."""

import time

import pytest

from tests.support.server import start_server

from .conftest import CONTROLFLOW, settled, shape, start, start_run

BRIEF = "A lending shelf where neighbours borrow garden tools and bring them back."


@pytest.fixture(scope="module")
def native_server(tmp_path_factory):
    with start_server(tmp_path_factory.mktemp("native"), {"BOTARMY_DEMO_TOKEN_DELAY_MS": "0"}) as server:
        yield server


def test_a_full_run_gives_the_same_artifacts_and_events_on_both_orchestrators(controlflow_server, native_server):
    runs = {}
    for name, server in (("controlflow", controlflow_server), ("native", native_server)):
        run_id = start_run(server, BRIEF)
        assert settled(server, run_id, "completed")["status"] == "completed"
        runs[name] = server.artifacts(run_id), server.events(run_id)
    (artifacts, events), (native_artifacts, native_events) = runs["controlflow"], runs["native"]
    assert list(artifacts) == ["analyst", "architect", "developer", "tester", "deployer"]
    assert artifacts == native_artifacts
    assert shape(events) == shape(native_events)
    texts = {}
    for event in events:
        if event["type"] == "TEXT_MESSAGE_CONTENT":
            agent = event["messageId"].split(":")[1]
            texts[agent] = texts.get(agent, "") + event["delta"]
    assert texts == artifacts, "the streamed text is the artifact"
    usage = [e["value"] for e in events if e["type"] == "CUSTOM" and e["name"] == "usage"]
    assert len(usage) == 5 and all(u["prompt_tokens"] > 0 and u["completion_tokens"] > 0 for u in usage)


def test_approvals_request_changes_and_edits_steer_the_controlflow_agents(controlflow_server):
    server = controlflow_server
    run_id = start_run(server, BRIEF, "analyst,architect")
    assert settled(server, run_id, "waiting_approval")["pending"]["agent"] == "analyst"
    edited = "# Requirements\n\nOnly members may borrow; at most two tools at a time.\n"
    with server.api() as api:
        assert api.post(f"/api/runs/{run_id}/edit", json={"content": edited}).status_code == 204
        assert settled(server, run_id, "waiting_approval")["pending"]["agent"] == "architect"
        feedback = "Add a data retention section: borrowing records are deleted after 90 days."
        assert api.post(f"/api/runs/{run_id}/request-changes", json={"feedback": feedback}).status_code == 204
        assert settled(server, run_id, "waiting_approval")["pending"]["agent"] == "architect"
        assert feedback in server.artifacts(run_id)["architect"], "the agent's task carried the feedback"
        assert api.post(f"/api/runs/{run_id}/approve").status_code == 204
        assert settled(server, run_id, "completed")["status"] == "completed"
        artifacts = {a["agent"]: a for a in api.get(f"/api/runs/{run_id}/artifacts").json()}
    assert len(artifacts) == 5 and artifacts["analyst"]["content"] == edited.strip() and artifacts["analyst"]["edited"]
    decisions = [e["value"]["decision"] for e in server.events(run_id)
                 if e["type"] == "CUSTOM" and e["name"] == "approval_decided"]
    assert decisions == ["edit", "request_changes", "approve"]


def test_pause_waits_for_the_agent_and_cancel_stops_the_next_one_at_once(tmp_path):
    # 20 ms a token: the Architect's answer streams for ~6 s, so the cancel finds its stream open on a loaded machine
    # (at 5 ms the answer could end before the cancel arrived, and no stream was left to close).
    with start(tmp_path, {**CONTROLFLOW, "BOTARMY_DEMO_TOKEN_DELAY_MS": "20"}) as server, server.api() as api:
        run_id = start_run(server, BRIEF)
        streaming(server, run_id, "analyst")
        assert api.post(f"/api/runs/{run_id}/pause").status_code == 204
        run = settled(server, run_id, "paused")
        assert run["agents"]["analyst"]["status"] == "done" and run["agents"]["architect"]["status"] == "queued"
        assert list(server.artifacts(run_id)) == ["analyst"], "the answer was not cut off"

        assert api.post(f"/api/runs/{run_id}/resume").status_code == 204
        streaming(server, run_id, "architect")
        assert api.post(f"/api/runs/{run_id}/cancel").status_code == 204
        cancelled_at = time.time()
        run = settled(server, run_id, "cancelled")
        assert run["agents"]["architect"]["status"] == "cancelled" and list(server.artifacts(run_id)) == ["analyst"]
        deadline = time.monotonic() + 10
        while not server.stream_ends():
            assert time.monotonic() < deadline, "the model's stream was never closed"
            time.sleep(0.05)
        assert server.stream_ends()[-1] - cancelled_at < 3, "the model's stream closed with the cancel"


def streaming(server, run_id: str, agent: str, timeout: float = 60) -> None:
    """Wait until `agent`'s answer streams."""
    deadline = time.monotonic() + timeout
    while not any(e["type"] == "TEXT_MESSAGE_CONTENT" and f":{agent}:" in e["messageId"]
                  for e in server.events(run_id)):
        assert time.monotonic() < deadline, f"{agent} never streamed"
        time.sleep(0.05)
