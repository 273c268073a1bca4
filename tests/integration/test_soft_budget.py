"""The soft budget as API clients meet it: an AG-UI interrupt with its response schema that a resume answers, and
POST /api/runs/{id}/budget; and the run's choices (models, prompts, soft budget) refused with a sentence when bad."""

import json
import time
import uuid

import pytest

from core.domain.outcome import RunOutcome
from tests.support.server import start_server

BRIEF = "A repair log for a bicycle co-op's shared workshop tools."
PRICES = json.dumps({"botarmy-demo": [10.0, 40.0]})  # a run costs about $0.15; one call at most about $0.17


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    env = {"BOTARMY_DEMO_TOKEN_DELAY_MS": "0", "BOTARMY_PRICES": PRICES}
    with start_server(tmp_path_factory.mktemp("budget"), env) as server:
        yield server


def agui(server, thread: str, **extra) -> list[dict]:
    body = {"threadId": thread, "runId": uuid.uuid4().hex, "state": {}, "tools": [], "context": [],
            "messages": [{"id": "m1", "role": "user", "content": BRIEF}], **extra}
    with server.api().stream("POST", "/agui", json=body, timeout=180) as response:
        assert response.status_code == 200, response.read()
        text = response.read().decode()
    return [json.loads(line[6:]) for line in text.splitlines() if line.startswith("data: ")]


def test_an_agui_client_is_asked_at_the_soft_budget_and_a_resume_goes_on(server):
    thread = f"budget-{uuid.uuid4().hex[:8]}"
    asked = agui(server, thread, forwardedProps={"softBudgetUsd": 0.25})[-1]
    [interrupt] = asked["outcome"]["interrupts"]
    assert interrupt["reason"] == "budget"
    assert interrupt["message"].startswith("$0.") and interrupt["message"].endswith("Continue with another $1.00?")
    assert interrupt["responseSchema"]["required"] == ["continue"]
    bad = server.api().post("/agui", json={
        "threadId": thread, "runId": "r2", "state": {}, "tools": [], "context": [], "messages": [],
        "resume": [{"interruptId": interrupt["id"], "status": "resolved", "payload": {"continue": "yes"}}]})
    assert bad.status_code == 422
    finished = agui(server, thread, messages=[], resume=[{"interruptId": interrupt["id"], "status": "resolved",
                                                          "payload": {"continue": True, "add_usd": 0.5}}])[-1]
    assert finished["type"] == "RUN_FINISHED" and finished["result"]["outcome"] == RunOutcome.PASSED
    [run_id] = server.runs_of_thread(thread)
    detail = server.api().get(f"/api/runs/{run_id}").json()
    assert detail["soft_budget_usd"] == pytest.approx(0.75) and detail["pending_budget"] is None


def test_stopping_at_the_soft_budget_through_rest_keeps_the_artifacts(server, api):
    run_id = api.post("/api/runs", json={"brief": BRIEF, "soft_budget_usd": 0.25}).json()["run_id"]
    deadline = time.monotonic() + 120
    while (detail := api.get(f"/api/runs/{run_id}").json())["pending_budget"] is None:
        assert time.monotonic() < deadline and detail["status"] == "running", detail["status"]
        time.sleep(0.2)
    kept = server.artifacts(run_id)
    assert detail["status"] == "waiting_approval" and kept
    wrong = api.post(f"/api/runs/{run_id}/budget", json={"continue": False, "interrupt_id": "budget:9:x:work"})
    assert wrong.status_code == 409
    assert api.post(f"/api/runs/{run_id}/budget", json={"continue": False}).status_code == 204
    detail = api.get(f"/api/runs/{run_id}").json()
    assert (detail["status"], detail["outcome"], detail["outcome_label"]) == (
        "cancelled", RunOutcome.BUDGET_STOPPED, "Stopped at the budget")
    assert server.artifacts(run_id) == kept
    assert api.post(f"/api/runs/{run_id}/budget", json={"continue": True}).status_code == 409  # answered once
    usage = api.get(f"/api/runs/{run_id}/usage").json()
    assert set(usage["roles"]) == set(kept) and usage["total"]["cost_usd"] == pytest.approx(detail["cost_usd"])


@pytest.mark.parametrize(("choices", "sentence"), [
    ({"models": "designer=gpt-4o"}, "Unknown agent 'designer'"),
    ({"models": {"developer": "gpt 4o"}}, "The model for developer must be a name"),
    ({"prompts": {"architect": "\u200b"}}, "The Architect's prompt is empty"),
    ({"prompts": {"architect": "x" * 20_001}}, "the limit is 20,000"),
])
def test_bad_choices_are_refused_with_a_sentence_by_rest_and_agui(server, api, choices, sentence):
    rest = api.post("/api/runs", json={"brief": BRIEF, **choices})
    assert rest.status_code in (400, 422) and sentence in json.dumps(rest.json())
    body = {"threadId": f"bad-{uuid.uuid4().hex[:8]}", "runId": "r1", "state": {}, "tools": [], "context": [],
            "messages": [{"id": "m1", "role": "user", "content": BRIEF}], "forwardedProps": choices}
    refused = server.api().post("/agui", json=body)
    assert refused.status_code == 422 and sentence in refused.json()["detail"]
