"""The run's timeline, folded from events: working spans, waits for the AI service and for the user, pauses, the
queue, failures, and the run's ends; and it never moves with streamed text."""

from ag_ui.core import Interrupt, RunFinishedCancelledOutcome, RunFinishedInterruptOutcome

from core.domain.custom import AgentWaiting, ApprovalDecided, RunQueued, custom
from core.domain.events import (
    CustomEvent,
    RunErrorEvent,
    RunFinishedEvent,
    RunStartedEvent,
    StoredEvent,
    SubagentErrorEvent,
    SubagentFinishedEvent,
    SubagentStartedEvent,
    TextMessageContentEvent,
    TextMessageStartEvent,
)
from core.domain.fold import apply, fold
from core.domain.status import Decision, ErrorCode, WaitKind
from core.domain.timeline import RUN_LANE, Outcome, SpanKind

AGENTS = [{"name": "analyst", "title": "Analyst"}, {"name": "architect", "title": "Architect"}]


def at(ms: int, event):
    event.timestamp = ms
    return event


def stored(events):
    return [StoredEvent(run_id="r", seq=i, event=e) for i, e in enumerate(events, 1)]


def started(ms: int):
    return at(ms, RunStartedEvent(thread_id="r", run_id="r", metadata={"agents": AGENTS}))


def working(ms: int, agent: str, sub: str):
    return at(ms, SubagentStartedEvent(subagent_run_id=sub, name=agent, metadata={"title": agent.title()}))


def interrupt(ms: int, id_: str, reason: str, agent: str | None = None):
    return at(ms, RunFinishedEvent(thread_id="r", run_id="r", outcome=RunFinishedInterruptOutcome(interrupts=[
        Interrupt(id=id_, reason=reason, metadata={"agent": agent} if agent else None)])))


def waiting(ms: int, agent: str, kind: WaitKind, until: int, attempt: int) -> CustomEvent:
    return at(ms, custom(AgentWaiting(agent=agent, kind=kind, until_ms=until, attempt=attempt)))


def spans(view):
    return [(s.lane, s.kind, s.start_ms, s.end_ms, s.outcome) for s in view.timeline.spans]


def test_lanes_follow_the_pipeline_and_working_spans_run_from_start_to_finish():
    view = fold("r", stored([
        at(500, custom(RunQueued(position=1))), started(1000),
        working(1100, "analyst", "s1"), waiting(1200, "analyst", WaitKind.RATE_LIMITED, 3200, 1),
        at(5000, SubagentFinishedEvent(subagent_run_id="s1")),
        working(5100, "architect", "s2"),
    ]))
    assert view.timeline.lanes == {RUN_LANE: "Run", "analyst": "Analyst", "architect": "Architect"}
    assert spans(view) == [
        (RUN_LANE, SpanKind.QUEUED, 500, 1000, Outcome.RESUMED),
        ("analyst", SpanKind.WORKING, 1100, 5000, Outcome.DONE),
        ("analyst", SpanKind.SERVICE_WAIT, 1200, 3200, Outcome.DONE),
        ("architect", SpanKind.WORKING, 5100, None, None),
    ]
    wait = view.timeline.spans[2]
    assert (wait.reason, wait.attempt, wait.is_retry) == (WaitKind.RATE_LIMITED, 1, True)


def test_waiting_for_the_user_lasts_from_the_interrupt_to_the_decision_and_a_pause_until_resume():
    view = fold("r", stored([
        started(1000), working(1100, "analyst", "s1"), at(2000, SubagentFinishedEvent(subagent_run_id="s1")),
        interrupt(2100, "approval:analyst:1", "approval", "analyst"),
        at(9000, custom(ApprovalDecided(interrupt_id="approval:analyst:1", agent="analyst",
                                        decision=Decision.REQUEST_CHANGES, feedback="More"))),
        started(9100), working(9200, "analyst", "s2"), at(9900, SubagentFinishedEvent(subagent_run_id="s2")),
        interrupt(10000, "pause:2", "pause"), started(15000),
    ]))
    assert spans(view)[1:] == [
        ("analyst", SpanKind.USER_WAIT, 2100, 9000, Outcome.CHANGES_REQUESTED),
        ("analyst", SpanKind.WORKING, 9200, 9900, Outcome.DONE),
        (RUN_LANE, SpanKind.PAUSED, 10000, 15000, Outcome.RESUMED),
    ]


def test_a_failure_says_why_and_a_cancel_cuts_a_planned_wait_short():
    failed = fold("r", stored([
        started(1000), working(1100, "analyst", "s1"),
        at(1500, SubagentErrorEvent(subagent_run_id="s1", message="The AI service refused the key.", code="auth")),
        at(1600, RunErrorEvent(message="Analyst could not finish.", code=ErrorCode.AGENT_FAILED)),
    ]))
    span = failed.timeline.spans[0]
    assert (span.outcome, span.reason, span.end_ms) == (Outcome.FAILED, "The AI service refused the key.", 1500)
    assert [(m.lane, m.at_ms, m.outcome, m.reason) for m in failed.timeline.marks] == [
        (RUN_LANE, 1600, Outcome.FAILED, "Analyst could not finish.")]

    cancelled = fold("r", stored([
        started(1000), working(1100, "analyst", "s1"), waiting(1200, "analyst", WaitKind.SERVICE_ERROR, 60_000, 2),
        at(3000, SubagentErrorEvent(subagent_run_id="s1", message="Cancelled by you.", code=ErrorCode.CANCELLED)),
        at(3000, RunFinishedEvent(thread_id="r", run_id="r", outcome=RunFinishedCancelledOutcome())),
    ]))
    assert spans(cancelled) == [("analyst", SpanKind.WORKING, 1100, 3000, Outcome.CANCELLED),
                                ("analyst", SpanKind.SERVICE_WAIT, 1200, 3000, Outcome.DONE)]
    assert cancelled.timeline.marks[0].outcome == Outcome.CANCELLED


def test_a_wait_for_the_user_cancelled_at_rest_ends_with_the_run():
    view = fold("r", stored([
        started(1000), interrupt(2000, "approval:analyst:1", "approval", "analyst"),
        at(7000, RunFinishedEvent(thread_id="r", run_id="r", outcome=RunFinishedCancelledOutcome())),
    ]))
    assert spans(view) == [("analyst", SpanKind.USER_WAIT, 2000, 7000, Outcome.CANCELLED)]


def test_streamed_text_never_changes_the_timeline():
    events = stored([started(1000), working(1100, "analyst", "s1"),
                     TextMessageStartEvent(message_id="m", role="assistant", subagent_run_id="s1")])
    view = fold("r", events)
    version = view.timeline.version
    for seq in range(len(events) + 1, len(events) + 200):
        apply(view, StoredEvent(run_id="r", seq=seq, event=TextMessageContentEvent(
            message_id="m", delta="token ", subagent_run_id="s1")))
    assert view.timeline.version == version and len(view.messages[0].text) == 199 * 6
