"""The run's timeline: when each agent worked, what it waited for and how each stretch ended, folded from the same
events as the view.

One lane per agent (in pipeline order, then any other subagent), one for the run itself (waiting for a slot,
paused) and, once the project's tests first run or the user types a command, one for the run's workspace: each test
run with its verdict, and the user's own commands (they run one at a time in the same workspace, so they sit beside
the tests' runs rather than on top of them). A fix asked of an agent after failing tests is a mark on its lane, and
its next working span is that fix. Streamed text and command output never change it: only state events do, so a
chart of it redraws a few times per agent, not per token. `version` grows with every change, so a viewer can tell
at a glance whether to redraw.
"""

from dataclasses import dataclass, field
from enum import StrEnum

from .custom import (
    AgentWaiting,
    ApprovalDecided,
    BudgetDecided,
    CommandEnded,
    CommandRequested,
    CustomKind,
    FixRequested,
    RunQueued,
    VerifyFinished,
    VerifyStarted,
    payload_of,
)
from .events import EventType, RunFinishedCancelledOutcome, RunFinishedInterruptOutcome
from .interrupts import approval_agent
from .status import (
    CommandEnd,
    CommandOrigin,
    CommandStatus,
    Decision,
    ErrorCode,
    InterruptReason,
    VerifyStatus,
    WaitKind,
)
from .verdict import Counts

RUN_LANE = "run"
RUN_LANE_TITLE = "Run"
WORKSPACE_LANE = "workspace"
WORKSPACE_LANE_TITLE = "Tests and commands"
# The CUSTOM kinds the timeline folds; the others (command output above all) are not even read.
_KINDS = frozenset({CustomKind.AGENT_WAITING, CustomKind.APPROVAL_DECIDED, CustomKind.BUDGET_DECIDED,
                    CustomKind.RUN_QUEUED, CustomKind.VERIFY_STARTED, CustomKind.VERIFY_FINISHED,
                    CustomKind.FIX_REQUESTED, CustomKind.COMMAND_REQUESTED, CustomKind.COMMAND_ENDED})


class SpanKind(StrEnum):
    WORKING = "working"  # the agent calls the AI service and streams its answer
    SERVICE_WAIT = "service_wait"  # the agent waits before it calls the AI service (again); `reason` is a WaitKind
    USER_WAIT = "user_wait"  # the agent's work waits for the user's decision (its artifact, or more budget)
    PAUSED = "paused"  # the user paused the run
    QUEUED = "queued"  # the run waits for a free slot
    TESTS = "tests"  # the pipeline runs the project's tests; `counts` and `reason` (the summary) once they ended
    COMMAND = "command"  # the user's own command in the workspace; `label` is what they typed


class Outcome(StrEnum):
    """How a span ended."""

    DONE = "done"
    FAILED = "failed"  # `reason` says why, in the agent's own sentence
    CANCELLED = "cancelled"
    INTERRUPTED = "interrupted"  # a server stop cut it short
    APPROVED = "approved"
    EDITED = "edited"
    CHANGES_REQUESTED = "changes_requested"
    RESUMED = "resumed"  # a pause or a wait for a slot that ended with the run going on
    PASSED = "passed"  # the tests, or the user's command, succeeded
    SKIPPED = "skipped"  # the tests did not run, or the user stopped them; `reason` says which


class MarkKind(StrEnum):
    RUN_ENDED = "end"  # a segment of the run ended for good
    FIX_REQUESTED = "fix_requested"  # the tests failed and went back to the agent on this lane


_DECIDED = {Decision.APPROVE: Outcome.APPROVED, Decision.EDIT: Outcome.EDITED,
            Decision.REQUEST_CHANGES: Outcome.CHANGES_REQUESTED}


@dataclass
class Span:
    lane: str
    kind: SpanKind
    start_ms: int
    end_ms: int | None = None  # None while it lasts; a wait for the service ends when it was planned to
    outcome: Outcome | None = None  # None while it lasts
    reason: str = ""  # why it ended as it did (a failure's sentence); for a wait for the service, its WaitKind
    attempt: int = 0  # of the AI call that a wait for the service comes after
    ref: str = ""  # the subagent run of a working span, the interrupt of a wait for the user or a pause, a command
    seq: int = 0  # the event that opened it
    fix: int = 0  # a working span that fixes failing tests: which fix; a test run: the fixes made before it
    counts: Counts | None = None  # of a test run that got as far as pytest's summary
    label: str = ""  # the command the user typed
    model: str = ""  # the model a working span's agent called

    @property
    def is_retry(self) -> bool:
        return self.kind == SpanKind.SERVICE_WAIT and self.reason != WaitKind.PACING


@dataclass
class Mark:
    """A moment: on the run's lane, a segment of the run ended for good (completed, failed, cancelled,
    interrupted); on an agent's lane, the failing tests came back to it (`fix`, with the tests' summary)."""

    lane: str
    at_ms: int
    outcome: Outcome | None
    reason: str = ""
    seq: int = 0
    kind: MarkKind = MarkKind.RUN_ENDED
    fix: int = 0


@dataclass
class Timeline:
    lanes: dict[str, str] = field(default_factory=lambda: {RUN_LANE: RUN_LANE_TITLE})  # lane -> title, in order
    spans: list[Span] = field(default_factory=list)
    marks: list[Mark] = field(default_factory=list)
    version: int = 0
    fixes: dict[str, int] = field(default_factory=dict)  # lane -> the fix asked of it that has not started yet

    def record(self, seq: int, event) -> None:
        """Fold one event into the timeline (the caller has already skipped events at or below its last seq)."""
        handler = _HANDLERS.get(event.type)
        if handler is not None and handler(self, seq, event) is not False:
            self.version += 1

    def open_spans(self, lane: str | None = None) -> list[Span]:
        return [s for s in self.spans if s.outcome is None and (lane is None or s.lane == lane)]

    def _open(self, lane: str, kind: SpanKind, start_ms: int, seq: int, **details) -> Span:
        span = Span(lane, kind, start_ms, seq=seq, **details)
        self.spans.append(span)
        return span

    def _close(self, spans: list[Span], at_ms: int, outcome: Outcome, reason: str = "") -> None:
        for span in spans:
            span.end_ms, span.outcome, span.reason = at_ms, outcome, reason

    def _end_lane(self, lane: str, at_ms: int, outcome: Outcome, reason: str = "") -> None:
        """Close what lasts on the lane; a wait for the service planned beyond this moment is cut short."""
        self._close(self.open_spans(lane), at_ms, outcome, reason)
        for span in self.spans:
            if span.lane == lane and span.kind == SpanKind.SERVICE_WAIT and span.end_ms > at_ms:
                span.end_ms = at_ms

    def _end_run(self, seq: int, at_ms: int, outcome: Outcome, reason: str = "") -> None:
        # The user's commands are not the run's: one may go on after it, and it ends with its own event.
        for lane in {span.lane for span in self.open_spans() if span.kind != SpanKind.COMMAND}:
            self._end_lane(lane, at_ms, outcome, reason)
        self.marks.append(Mark(RUN_LANE, at_ms, outcome, reason, seq))

    def _workspace_span(self, kind: SpanKind, start_ms: int, seq: int, **details) -> Span:
        self.lanes.setdefault(WORKSPACE_LANE, WORKSPACE_LANE_TITLE)
        return self._open(WORKSPACE_LANE, kind, start_ms, seq, **details)


def _run_started(timeline: Timeline, seq: int, event) -> None:
    for agent in (event.metadata or {}).get("agents", ()):
        timeline.lanes.setdefault(agent["name"], agent["title"])
    timeline._close(timeline.open_spans(RUN_LANE), event.timestamp, Outcome.RESUMED)  # a pause or the queue ended


def _subagent_started(timeline: Timeline, seq: int, event) -> None:
    timeline.lanes.setdefault(event.name, (event.metadata or {}).get("title", event.name))
    timeline._open(event.name, SpanKind.WORKING, event.timestamp, seq, ref=event.subagent_run_id,
                   fix=timeline.fixes.pop(event.name, 0), model=(event.metadata or {}).get("model", ""))


def _subagent_ended(timeline: Timeline, seq: int, event) -> bool:
    lane = next((s.lane for s in timeline.open_spans() if s.kind == SpanKind.WORKING
                 and s.ref == event.subagent_run_id), None)
    if lane is None:
        return False
    if event.type == EventType.SUBAGENT_FINISHED:
        timeline._end_lane(lane, event.timestamp, Outcome.DONE)
    else:
        timeline._end_lane(lane, event.timestamp, _ending(event.code), event.message)
    return True


def _ending(code: str | None) -> Outcome:
    return {ErrorCode.CANCELLED: Outcome.CANCELLED, ErrorCode.INTERRUPTED: Outcome.INTERRUPTED}.get(
        code, Outcome.FAILED)


def _run_finished(timeline: Timeline, seq: int, event) -> None:
    match event.outcome:
        case RunFinishedInterruptOutcome(interrupts=interrupts):
            for interrupt in interrupts:
                if interrupt.reason in (InterruptReason.APPROVAL, InterruptReason.BUDGET):
                    timeline._open(approval_agent(interrupt), SpanKind.USER_WAIT, event.timestamp, seq,
                                   ref=interrupt.id)
                elif interrupt.reason == InterruptReason.PAUSE:
                    timeline._open(RUN_LANE, SpanKind.PAUSED, event.timestamp, seq, ref=interrupt.id)
        case RunFinishedCancelledOutcome():
            timeline._end_run(seq, event.timestamp, Outcome.CANCELLED)
        case _:
            timeline._end_run(seq, event.timestamp, Outcome.DONE)


def _run_error(timeline: Timeline, seq: int, event) -> None:
    outcome = Outcome.INTERRUPTED if event.code == ErrorCode.INTERRUPTED else Outcome.FAILED
    timeline._end_run(seq, event.timestamp, outcome, event.message)


def _custom(timeline: Timeline, seq: int, event) -> bool:
    if event.name not in _KINDS:
        return False
    payload = payload_of(event)
    match payload:
        case AgentWaiting():
            # Over when planned: the call is made then. A stop before that cuts it short (_end_lane).
            timeline._open(payload.agent, SpanKind.SERVICE_WAIT, event.timestamp, seq, outcome=Outcome.DONE,
                           end_ms=max(event.timestamp, payload.until_ms), reason=payload.kind,
                           attempt=payload.attempt)
        case ApprovalDecided():
            waiting = [s for s in timeline.open_spans(payload.agent) if s.kind == SpanKind.USER_WAIT]
            timeline._close(waiting, event.timestamp, _DECIDED[payload.decision])
        case BudgetDecided():
            waiting = [s for s in timeline.open_spans() if s.kind == SpanKind.USER_WAIT
                       and s.ref == payload.interrupt_id]
            timeline._close(waiting, event.timestamp, Outcome.RESUMED if payload.proceed else Outcome.CANCELLED)
        case RunQueued() if not timeline.open_spans(RUN_LANE):
            timeline._open(RUN_LANE, SpanKind.QUEUED, event.timestamp, seq)
        case VerifyStarted():
            timeline._workspace_span(SpanKind.TESTS, event.timestamp, seq, fix=payload.round)
        case VerifyFinished():
            return _tests_ended(timeline, event.timestamp, payload)
        case FixRequested():
            timeline.fixes[payload.agent] = payload.round
            summary = next((s.reason for s in reversed(timeline.spans) if s.kind == SpanKind.TESTS), "")
            timeline.marks.append(Mark(payload.agent, event.timestamp, None, summary, seq, MarkKind.FIX_REQUESTED,
                                       payload.round))
        case CommandRequested() if payload.origin == CommandOrigin.USER:
            timeline._workspace_span(SpanKind.COMMAND, event.timestamp, seq, ref=payload.command_id,
                                     label=payload.command)
        case CommandEnded():
            commands = [s for s in timeline.open_spans(WORKSPACE_LANE) if s.ref == payload.command_id]
            timeline._close(commands, event.timestamp, _command_outcome(payload), payload.message)
            return bool(commands)
        case _:
            return False
    return True


def _tests_ended(timeline: Timeline, at_ms: int, verdict: VerifyFinished) -> bool:
    runs = [s for s in timeline.open_spans(WORKSPACE_LANE) if s.kind == SpanKind.TESTS]
    if verdict.status in (VerifyStatus.SKIPPED, VerifyStatus.MISSING):
        outcome = Outcome.SKIPPED if verdict.conclusive else Outcome.INTERRUPTED
    else:
        outcome = Outcome.PASSED if verdict.status == VerifyStatus.PASSED else Outcome.FAILED
    timeline._close(runs, at_ms, outcome, verdict.summary)
    counts = Counts(passed=verdict.passed, failed=verdict.failed, errors=verdict.errors)
    for span in runs:
        span.counts = counts if counts.total else None  # None: no summary line, nothing was counted
    return bool(runs)


def _command_outcome(ended: CommandEnded) -> Outcome:
    if ended.ending == CommandEnd.SERVER_STOPPED:
        return Outcome.INTERRUPTED
    return {CommandStatus.PASSED: Outcome.PASSED, CommandStatus.INTERRUPTED: Outcome.CANCELLED}.get(
        ended.status, Outcome.FAILED)


_HANDLERS = {
    EventType.RUN_STARTED: _run_started,
    EventType.RUN_FINISHED: _run_finished,
    EventType.RUN_ERROR: _run_error,
    EventType.SUBAGENT_STARTED: _subagent_started,
    EventType.SUBAGENT_FINISHED: _subagent_ended,
    EventType.SUBAGENT_ERROR: _subagent_ended,
    EventType.CUSTOM: _custom,
}
