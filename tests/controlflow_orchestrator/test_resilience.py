"""The AI service misbehaving under the ControlFlow orchestrator: visible waits, voided half answers, the same plain
sentences, and Retry of a failed agent."""

from core.llm.errors import CONFIGURATION, failure_sentence

from .conftest import CONTROLFLOW, settled, start, start_run

BRIEF = "A booking page for a community sauna."


def customs(events: list[dict], name: str) -> list[dict]:
    return [e["value"] for e in events if e["type"] == "CUSTOM" and e["name"] == name]


def test_waits_restarts_errors_and_retry(tmp_path):
    # The first run's Analyst meets a 429, then a stream cut half-way; the second run's Analyst a bad key.
    faults = {"BOTARMY_DEMO_FAULTS": "script:429@1,cut,ok,ok,ok,ok,ok,401", "BOTARMY_LLM_BACKOFF_INITIAL_S": "0.1"}
    with start(tmp_path, {**CONTROLFLOW, **faults}) as server:
        first = start_run(server, BRIEF)
        assert settled(server, first, "completed")["status"] == "completed"
        events = server.events(first)
        assert [w["kind"] for w in customs(events, "agent_waiting")][:2] == ["rate_limited", "connection"]
        assert len(customs(events, "message_discarded")) == 1, "the cut half answer was voided"
        analyst = "".join(e["delta"] for e in events if e["type"] == "TEXT_MESSAGE_CONTENT"
                          and e["messageId"].endswith(":analyst:1:answer:2"))
        assert analyst == server.artifacts(first)["analyst"], "the retry streamed the whole answer afresh"

        second = start_run(server, BRIEF)
        run = settled(server, second, "failed")
        assert run["agents"]["analyst"]["error"] == CONFIGURATION
        assert run["error"] == failure_sentence("Analyst", CONFIGURATION)
        assert [run["agents"][a]["status"] for a in ("architect", "developer", "tester", "deployer")] == ["skipped"] * 4
        with server.api() as api:
            assert api.post(f"/api/runs/{second}/retry/analyst").status_code == 204
        assert settled(server, second, "completed")["status"] == "completed"
        assert server.artifacts(second) == server.artifacts(first)
