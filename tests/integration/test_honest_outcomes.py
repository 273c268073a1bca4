"""An ordinary OpenAI-compatible server that answers every request in plain prose: each agent that must deliver
something is sent back once with what it lacked, and the run ends "Finished — no runnable code" in every place that
tells it (AG-UI's RUN_FINISHED result, REST, the history list), never plain "Completed"."""

import json
import uuid

import pytest

from core.domain.outcome import LABELS, RunOutcome
from tests.support.openai_stub import openai_endpoint
from tests.support.server import start_server

NO_CODE = LABELS[RunOutcome.NO_CODE]
BRIEF = "A small web app where a team of volunteers tracks which park benches need repair."


@pytest.fixture(scope="module")
def prose():
    with openai_endpoint() as endpoint:
        yield endpoint


@pytest.fixture(scope="module")
def server(prose, tmp_path_factory):
    env = {"OPENAI_API_KEY": "sk-test", "OPENAI_BASE_URL": prose.url}
    with start_server(tmp_path_factory.mktemp("prose"), env) as server:
        yield server


def agui_run(server, thread: str) -> list[dict]:
    """One AG-UI run of BRIEF to its end: its events."""
    body = {"threadId": thread, "runId": uuid.uuid4().hex, "state": {}, "tools": [], "context": [],
            "forwardedProps": {}, "messages": [{"id": "m1", "role": "user", "content": BRIEF}]}
    with server.api().stream("POST", "/agui", json=body, timeout=180) as response:
        assert response.status_code == 200
        text = response.read().decode()
    return [json.loads(line[6:]) for line in text.splitlines() if line.startswith("data: ")]


def test_prose_answers_get_a_repair_round_and_the_run_says_it_has_no_runnable_code(prose, server, api):
    thread = f"prose-{uuid.uuid4().hex[:8]}"
    events = agui_run(server, thread)
    finished = events[-1]
    assert finished["type"] == "RUN_FINISHED"
    assert finished["result"]["outcome"] == RunOutcome.NO_CODE
    [run_id] = server.runs_of_thread(thread)

    # The Architect, the Developer and the Tester were each asked again, told what was missing and in what form.
    for agent, lacking, form in (("architect", "No Components section", "## Components"),
                                 ("developer", "No code", "**File: `src/shop/cart.py`**"),
                                 ("tester", "No tests", "**File: `tests/test_cart.py`**")):
        first, repair = prose.of(agent)[-2:]
        assert "Your previous answer lacked" not in first.user
        assert lacking in repair.user and form in repair.user
        assert "<previous_answer>" in repair.user
        closing = first.user.rsplit("\n\n", 1)[1]  # "Write the … now.": what a later request may change
        assert repair.prompt.startswith(first.prompt.removesuffix(closing))  # the same prefix, byte for byte
    assert len(prose.of("analyst")) == len(prose.of("deployer")) == 1  # nothing is asked of them to check
    stored = server.events(run_id)
    repairs = [e["value"]["agent"] for e in stored if e["type"] == "CUSTOM" and e["name"] == "repair_requested"]
    assert repairs == ["architect", "developer", "tester"]

    detail = api.get(f"/api/runs/{run_id}").json()
    assert (detail["status"], detail["outcome"], detail["outcome_label"]) == ("completed", "no_code", NO_CODE)
    assert detail["verify"]["status"] == "missing"
    assert detail["agents"]["developer"]["missing"] == [
        "No code: the answer held no file in the form **File: `path`** followed by a code block."]
    assert any(message["kind"] == "repair" for message in detail["messages"])
    assert detail["artifacts"]["developer"]["content"]  # what the agents said is kept, for the user to read

    [row] = [row for row in api.get("/api/runs").json()["runs"] if row["run_id"] == run_id]
    assert (row["status"], row["outcome"], row["outcome_label"]) == ("completed", "no_code", NO_CODE)
    said = json.dumps([finished, detail, row])
    assert '"Completed"' not in said and "Completed." not in said
