"""What a run says to the user who is not looking: the tab's title, the notification, the spoken sentence."""

from ag_ui.core import Interrupt, RunFinishedInterruptOutcome

from core.domain.custom import ArtifactSaved, VerifyFinished, VerifyStarted, custom
from core.domain.events import (
    RunFinishedEvent,
    RunStartedEvent,
    StoredEvent,
    SubagentFinishedEvent,
    SubagentStartedEvent,
    TextMessageContentEvent,
    TextMessageStartEvent,
)
from core.domain.fold import apply, fold
from core.domain.status import Missing, VerifyStatus
from ui.attention import headline, notice, spoken, states
from tests.support.events import stored

AGENTS = [{"name": "analyst", "title": "Analyst"}, {"name": "architect", "title": "Architect"}]


def test_state_changes_are_spoken_and_titled_but_streamed_text_is_not():
    view = fold("r", stored([RunStartedEvent(thread_id="r", run_id="r", metadata={"agents": AGENTS}),
                             SubagentStartedEvent(subagent_run_id="s1", name="analyst"),
                             TextMessageStartEvent(message_id="m", role="assistant", subagent_run_id="s1")]))
    assert headline(view) == "Analyst working" and notice(view) is None
    before = states(view)
    for item in stored([TextMessageContentEvent(message_id="m", delta="word ", subagent_run_id="s1")] * 50, 4):
        apply(view, item)
    assert spoken(view, before) == ""

    for item in stored([custom(ArtifactSaved(agent="analyst", title="Requirements", filename="r.md", content="x")),
                        SubagentFinishedEvent(subagent_run_id="s1"),
                        RunFinishedEvent(thread_id="r", run_id="r", outcome=RunFinishedInterruptOutcome(interrupts=[
                            Interrupt(id="approval:analyst:1", reason="approval", metadata={"agent": "analyst"})]))],
                       60):
        apply(view, item)
    assert headline(view) == "Waiting for your approval"
    assert notice(view) == ("approval:analyst:1", "Waiting for your approval",
                            "Analyst's requirements waits for your review.")
    assert spoken(view, before) == "Waiting for your approval: Analyst's requirements waits for your review."
    assert spoken(view, None) == "", "what the page loaded with is not news"


def test_failing_tests_are_spoken_when_they_fail_and_again_in_the_title_and_notice_when_the_run_completes():
    view = fold("r", stored([RunStartedEvent(thread_id="r", run_id="r", metadata={"agents": AGENTS}),
                             custom(VerifyStarted(round=0))]))
    before = states(view)
    apply(view, StoredEvent(run_id="r", seq=3, event=custom(VerifyFinished(
        status=VerifyStatus.FAILED, summary="1 of 10 tests failed.", passed=9, failed=1))))
    assert spoken(view, before) == "The project's tests failed: 1 of 10 tests failed."
    before = states(view)
    apply(view, StoredEvent(run_id="r", seq=4, event=RunFinishedEvent(thread_id="r", run_id="r")))
    assert headline(view) == "Finished — tests failed"
    assert notice(view)[1:] == ("Run finished — tests failed", "The project's tests failed: 1 of 10 tests failed.")
    assert spoken(view, before) == "Finished — tests failed. The project's tests failed: 1 of 10 tests failed."

    passed = fold("r", stored([RunStartedEvent(thread_id="r", run_id="r", metadata={"agents": AGENTS}),
                               custom(VerifyStarted(round=0)),
                               custom(VerifyFinished(status=VerifyStatus.PASSED, summary="All 10 tests passed.")),
                               RunFinishedEvent(thread_id="r", run_id="r")]))
    assert headline(passed) == "Completed" and notice(passed)[1] == "Run completed"


def test_a_run_whose_answers_held_no_code_never_says_completed():
    view = fold("r", stored([RunStartedEvent(thread_id="r", run_id="r", metadata={"agents": AGENTS}),
                             custom(VerifyFinished(status=VerifyStatus.MISSING, missing=Missing.CODE,
                                                   summary="The Developer's answer held no code.")),
                             RunFinishedEvent(thread_id="r", run_id="r")]))
    assert headline(view) == "Finished — no runnable code"
    assert notice(view)[1] == "Run finished — no runnable code"
    assert "Completed" not in " ".join(notice(view)[1:])
