"""The run's timeline, folded from events: working spans, waits for the AI service and for the user, pauses, the
queue, failures, the run's ends, the project's test runs with their verdicts, fixes asked for and the user's own
commands; and it never moves with streamed text or command output."""

from ag_ui.core import Interrupt, RunFinishedCancelledOutcome, RunFinishedInterruptOutcome

from core.domain.custom import (
    AgentWaiting,
    ApprovalDecided,
    CommandEnded,
    CommandOutput,
    CommandRequested,
    FixRequested,
    RunQueued,
    VerifyFinished,
    VerifyStarted,
    custom,
)
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
from core.domain.status import CommandEnd, CommandOrigin, CommandStatus, Decision, ErrorCode, VerifyStatus, WaitKind
from core.domain.timeline import RUN_LANE, WORKSPACE_LANE, MarkKind, Outcome, SpanKind
from core.domain.verdict import Counts
from ui.timeline import chart_items, drawn_items
from tests.support.events import stored

AGENTS = [{"name": "analyst", "title": "Analyst"}, {"name": "architect", "title": "Architect"}]


def at(ms: int, event):
    event.timestamp = ms
    return event


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


def test_a_version_of_the_timeline_is_made_into_chart_items_once_for_every_tab_that_draws_it():
    view = fold("r", stored([started(1000), working(1100, "analyst", "s1")]))
    first = drawn_items("r", view.timeline, 1000)
    assert drawn_items("r", view.timeline, 1000) is first, "a second tab of the run draws the same items"
    assert first == tuple(chart_items(view.timeline, 1000))
    apply(view, StoredEvent(run_id="r", seq=view.last_seq + 1, event=at(2000, SubagentFinishedEvent(
        subagent_run_id="s1"))))
    moved = drawn_items("r", view.timeline, 1000)
    assert moved is not first and moved == tuple(chart_items(view.timeline, 1000))
    assert drawn_items("another run", view.timeline, 1000) is not moved


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


def finished(ms: int, sub: str):
    return at(ms, SubagentFinishedEvent(subagent_run_id=sub))


def command(ms: int, cid: str, text: str, origin: CommandOrigin = CommandOrigin.USER):
    return at(ms, custom(CommandRequested(command_id=cid, command=text, origin=origin)))


def ended(ms: int, cid: str, status: CommandStatus, ending: CommandEnd, message: str):
    return at(ms, custom(CommandEnded(command_id=cid, status=status, ending=ending, message=message)))


def test_the_fix_loop_shows_each_test_run_with_its_verdict_the_fix_request_and_the_fix():
    events = stored([
        started(1000), working(1100, "developer", "s1"), finished(2000, "s1"),
        working(2100, "tester", "s2"), finished(3000, "s2"),
        at(3100, custom(VerifyStarted(round=0))), command(3150, "c1", "python -m pytest -q", CommandOrigin.VERIFY),
        at(3300, custom(CommandOutput(command_id="c1", text="F........."))),
        ended(3900, "c1", CommandStatus.FAILED, CommandEnd.EXITED, "Exited with code 1."),
        at(4000, custom(VerifyFinished(status=VerifyStatus.FAILED, summary="1 of 10 tests failed.", passed=9,
                                       failed=1, command_id="c1"))),
        at(4100, custom(FixRequested(agent="developer", round=1, feedback="The project's tests failed …"))),
        working(4200, "developer", "s3"), finished(5000, "s3"),
        at(5100, custom(VerifyStarted(round=1))),
        at(6000, custom(VerifyFinished(status=VerifyStatus.PASSED, summary="All 10 tests passed.", passed=10))),
        at(6100, RunFinishedEvent(thread_id="r", run_id="r")),
    ])
    view = fold("r", events)
    timeline = view.timeline
    assert list(timeline.lanes)[-1] == WORKSPACE_LANE  # after the agents; the tests' own command is not a span
    tests = [s for s in timeline.spans if s.lane == WORKSPACE_LANE]
    assert [(s.kind, s.start_ms, s.end_ms, s.outcome, s.fix, s.counts) for s in tests] == [
        (SpanKind.TESTS, 3100, 4000, Outcome.FAILED, 0, Counts(passed=9, failed=1)),
        (SpanKind.TESTS, 5100, 6000, Outcome.PASSED, 1, Counts(passed=10)),
    ]
    fixing = [(s.start_ms, s.fix) for s in timeline.spans if s.lane == "developer"]
    assert fixing == [(1100, 0), (4200, 1)]
    fix = next(m for m in timeline.marks if m.kind == MarkKind.FIX_REQUESTED)
    assert (fix.lane, fix.at_ms, fix.fix, fix.reason) == ("developer", 4100, 1, "1 of 10 tests failed.")

    sentences = [item["text"] for item in chart_items(timeline, 1000)]
    assert ("At 0:03 the failing tests went back to the Developer for fix 1: 1 of 10 tests failed."
            in sentences)
    assert ("The project's tests ran from 0:02 to 0:03 (0.9 s): failed (9 passed, 1 failed, 0 errors): 1 of 10 "
            "tests failed." in sentences)
    assert "Developer worked from 0:03 to 0:04 (0.8 s), fixing the failing tests (fix 1)." in sentences
    assert any(text.startswith("The project's tests (after fix 1) ran from 0:04 to 0:05") and "passed (10 passed"
               in text for text in sentences)

    # The tests' output, however long, never moves the timeline.
    version = timeline.version
    for seq in range(len(events) + 1, len(events) + 100):
        apply(view, StoredEvent(run_id="r", seq=seq, event=custom(CommandOutput(command_id="c1", text="."))))
    assert timeline.version == version


def test_tests_cut_short_by_a_server_stop_end_without_a_verdict_and_run_again():
    view = fold("r", stored([
        started(1000), at(1100, custom(VerifyStarted(round=0))),
        at(1500, custom(VerifyFinished(status=VerifyStatus.SKIPPED, summary="The tests were stopped before they "
                                       "finished.", conclusive=False))),
        at(1500, RunErrorEvent(message="The server stopped while this run was in progress.",
                               code=ErrorCode.INTERRUPTED)),
        started(9000), at(9100, custom(VerifyStarted(round=0))),
        at(9500, custom(VerifyFinished(status=VerifyStatus.SKIPPED, summary="The project has no tests to run."))),
    ]))
    assert [(s.start_ms, s.end_ms, s.outcome, s.counts) for s in view.timeline.spans] == [
        (1100, 1500, Outcome.INTERRUPTED, None), (9100, 9500, Outcome.SKIPPED, None)]


def test_the_users_commands_share_the_workspace_lane_and_outlast_the_run():
    long = "echo " + "x" * 100
    view = fold("r", stored([
        started(1000), command(1200, "c1", "pytest -q"),
        ended(2200, "c1", CommandStatus.PASSED, CommandEnd.EXITED, "Exited with code 0."),
        at(3000, RunFinishedEvent(thread_id="r", run_id="r")),
        command(4000, "c2", long),
    ]))
    timeline = view.timeline
    assert timeline.lanes[WORKSPACE_LANE] == "Tests and commands"
    assert [(s.kind, s.start_ms, s.end_ms, s.outcome, s.label) for s in timeline.spans] == [
        (SpanKind.COMMAND, 1200, 2200, Outcome.PASSED, "pytest -q"), (SpanKind.COMMAND, 4000, None, None, long)]
    texts = [item["text"] for item in chart_items(timeline, 1000) if item["kind"] == SpanKind.COMMAND]
    assert texts[0] == "You ran “pytest -q” from 0:00 to 0:01 (1.0 s): Exited with code 0."
    assert texts[1] == f"You ran “{long[:59]}…” since 0:03."

    apply(view, StoredEvent(run_id="r", seq=view.last_seq + 1, event=ended(
        5000, "c2", CommandStatus.INTERRUPTED, CommandEnd.INTERRUPTED, "Stopped by you.")))
    assert (timeline.spans[1].end_ms, timeline.spans[1].outcome) == (5000, Outcome.CANCELLED)
