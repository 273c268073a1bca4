"""POST /agui driven by the official AG-UI client (@ag-ui/client 1.0.0 from npm), whose runAgent() checks every
event rule, plus the refusals a client gets before any stream starts."""

import json
import os
import subprocess
import uuid
from pathlib import Path

import pytest

from tests.support.npm import installed

CLIENT_DIR = Path(__file__).resolve().parents[1] / "support" / "agui_client"
AGENTS = ["analyst", "architect", "developer", "tester", "deployer"]


@pytest.fixture(scope="module")
def agui_client() -> Path:
    """Install the pinned client from npm (once per checkout); the machine has Node but no browser download."""
    return installed(CLIENT_DIR, "@ag-ui/client", "for the AG-UI conformance test")


@pytest.fixture(scope="module")
def server(servers, request):
    return servers.get({"BOTARMY_DEMO_TOKEN_DELAY_MS": "2"}, request.node.nodeid)


def drive(agui_client: Path, server, scenario: str) -> list[dict]:
    done = subprocess.run(["node", "conformance.mjs", server.url, scenario], check=False, cwd=agui_client,
                          capture_output=True, text=True, timeout=240,
                          env={**os.environ, "BOTARMY_TOKEN": server.token()})
    assert done.returncode == 0, f"the AG-UI client rejected the stream: {done.stdout}\n{done.stderr[-2000:]}"
    return json.loads(done.stdout)


def assert_well_formed(segment: dict) -> None:
    assert segment["order"][:2] == ["RUN_STARTED", "STATE_SNAPSHOT"]
    assert segment["order"][-1] == "RUN_FINISHED"
    assert segment["errored"] is None
    assert segment["warnings"] == []  # every state patch applied, every message found


def test_a_full_run_streams_each_agent_as_a_subagent(agui_client, server):
    [run] = drive(agui_client, server, "full")
    assert_well_formed(run)
    assert run["finished"]["outcome"] == "success"
    assert run["subagents"] == AGENTS
    assert run["counts"]["TEXT_MESSAGE_START"] == run["counts"]["TEXT_MESSAGE_END"] == 5
    assert run["counts"]["STATE_DELTA"] > 5
    # The state the client built from the snapshot and its JSON patches is the run as the server stored it.
    [run_id] = server.runs_of_thread(run["threadId"])
    stored = server.artifacts(run_id)
    state = run["state"]
    assert state["status"] == "completed"
    assert {name: artifact["content"] for name, artifact in state["artifacts"].items()} == stored
    assert {agent["status"] for agent in state["agents"].values()} == {"done"}
    assert sorted(run["answerChars"]) == sorted(len(text) for text in stored.values())
    # The project's tests ran as a tool call, their output streamed between the call and its result.
    assert run["toolCalls"] == [{"name": "run_command", "args": {"command": "python -m pytest -q", "origin": "verify"}}]
    [result] = run["toolResults"]
    assert (result["status"], result["exitCode"], result["ending"]) == ("passed", 0, "exited")
    assert run["outputBetween"] >= 1
    assert run["finished"]["pendingToolCallIds"] == []
    assert len(run["toolMessages"]) == 1
    assert (state["verify"]["status"], state["verify"]["passed"], state["verify"]["failed"]) == ("passed", 10, 0)
    order = run["order"]
    assert order.index("TOOL_CALL_START") < order.index("TOOL_CALL_END") < order.index("TOOL_CALL_RESULT")


def test_an_approval_interrupts_the_run_and_resume_continues_it(agui_client, server):
    first, redone, approved = drive(agui_client, server, "resume")
    for segment in (first, redone, approved):
        assert_well_formed(segment)
    assert first["finished"]["outcome"] == "interrupt"
    assert [(i["id"], i["reason"]) for i in first["finished"]["interrupts"]] == [("approval:analyst:1", "approval")]
    assert first["state"]["status"] == "waiting_approval"
    assert first["state"]["pending"] == {"interruptId": "approval:analyst:1", "agent": "analyst"}
    schema = first["finished"]["interrupts"][0]["responseSchema"]
    assert [option["title"] for option in schema["oneOf"]] == ["Approve", "Request changes", "Edit"]
    assert "`cancelled` cancels the run" in schema["description"]
    # Request changes: the analyst works again with the feedback, and asks again.
    assert redone["subagents"] == ["analyst"]
    assert redone["pending"] == ["approval:analyst:2"]
    assert "Mention e-book readers as well." in redone["state"]["artifacts"]["analyst"]["content"]
    # Approved with the schema's own "Approve" answer; the others follow.
    assert approved["finished"]["outcome"] == "success"
    assert approved["subagents"] == AGENTS[1:]
    assert approved["pending"] == []
    assert approved["state"]["status"] == "completed"
    [run_id] = server.runs_of_thread(first["threadId"])
    decisions = [e["value"]["decision"] for e in server.events(run_id)
                 if e["type"] == "CUSTOM" and e["name"] == "approval_decided"]
    assert decisions == ["request_changes", "approve"]


def test_a_client_that_went_away_follows_the_run_again_on_its_thread(agui_client, server):
    [followed] = drive(agui_client, server, "reconnect")
    assert_well_formed(followed)
    assert followed["subagents"] == AGENTS
    assert followed["state"]["status"] == "completed"
    assert len(followed["state"]["artifacts"]) == 5


def test_bad_input_is_refused_before_any_stream(agui_client, server):
    [bad] = drive(agui_client, server, "bad")
    assert bad["rejected"] == {"status": 422, "payload": {"detail": "Send the project brief as a user message."}}


def agui_input(thread: str, **extra) -> dict:
    return {"threadId": thread, "runId": uuid.uuid4().hex, "state": {}, "tools": [], "context": [],
            "messages": [{"id": "m1", "role": "user", "content": "A recipe scaler for home cooks."}], **extra}


def finish(server, thread: str, **extra) -> str:
    """Run one segment to its end; the raw body, so its framing can be checked."""
    with server.api().stream("POST", "/agui", json=agui_input(thread, **extra), timeout=120) as response:
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/event-stream")
        return response.read().decode()


@pytest.mark.parametrize(("body", "status", "detail"), [
    ({"threadId": "x"}, 422, "runId: Field required"),
    (agui_input("bad thread id!"), 422, "threadId must be"),
    (agui_input("t", messages=[{"id": "m", "role": "user", "content": "   "}]), 422, "brief is empty"),
    (agui_input("t", forwardedProps={"approvals": "everyone"}), 422, "everyone"),
    (agui_input("t", forwardedProps=["approvals"]), 422, "forwardedProps must be an object"),
    (agui_input("never-started", resume=[{"interruptId": "approval:analyst:1", "status": "resolved"}]), 404,
     "does not exist"),
])
def test_refusals_say_what_is_wrong(server, body, status, detail):
    response = server.api().post("/agui", json=body)
    assert response.status_code == status
    assert response.headers["content-type"] == "application/json"
    assert detail in response.json()["detail"]


def test_answers_that_do_not_fit_the_thread_are_refused(server):
    thread = f"conflicts-{uuid.uuid4().hex}"
    body = finish(server, thread, forwardedProps={"approvals": "analyst"})
    assert "\r" not in body and body.endswith("\n\n")  # LF framing, as the JS client requires
    asking = [json.loads(line[6:]) for line in body.splitlines() if line.startswith("data: ")][-1]
    assert asking["outcome"]["interrupts"][0]["id"] == "approval:analyst:1"

    def post(**extra):
        return server.api().post("/agui", json=agui_input(thread, **extra))

    assert "waits for an answer: send `resume` for approval:analyst:1" in post().json()["detail"]
    wrong = post(resume=[{"interruptId": "approval:architect:1", "status": "resolved"}])
    assert (wrong.status_code, "is not open" in wrong.json()["detail"]) == (409, True)
    unusable = post(resume=[{"interruptId": "approval:analyst:1", "status": "resolved", "payload": {"decision": 1}}])
    assert (unusable.status_code, '{"decision": "approve"}' in unusable.json()["detail"]) == (422, True)
    no_feedback = post(resume=[{"interruptId": "approval:analyst:1", "status": "resolved",
                                "payload": {"decision": "request_changes", "feedback": ""}}])
    assert no_feedback.status_code == 422

    # Cancelling the interrupt cancels the run; the stream says so, and the thread is then over.
    ended = finish(server, thread, resume=[{"interruptId": "approval:analyst:1", "status": "cancelled"}])
    assert '"outcome":{"type":"cancelled"}' in ended
    [run_id] = server.runs_of_thread(thread)
    assert server.events(run_id)[-1]["outcome"] == {"type": "cancelled"}
    again = post(resume=[{"interruptId": "approval:analyst:1", "status": "resolved"}])
    assert again.status_code == 409
