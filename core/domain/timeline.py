"""The run's timeline: when each agent worked, what it waited for and how each stretch ended, folded from the same
events as the view.

One lane per agent (in pipeline order, then any other subagent such as a verify stage) and one for the run itself
(waiting for a slot, paused). Streamed text never changes it: only state events do, so a chart of it redraws a few
times per agent, not per token. `version` grows with every change, so a viewer can tell at a glance whether to
redraw.
"""

from dataclasses import dataclass, field
from enum import StrEnum

from .custom import AgentWaiting, ApprovalDecided, RunQueued, payload_of
from .events import EventType
from .status import Decision, ErrorCode, InterruptReason, WaitKind

RUN_LANE = "run"
RUN_LANE_TITLE = "Run"


class SpanKind(StrEnum):
    WORKING = "working"  # the agent calls the AI service and streams its answer
    SERVICE_WAIT = "service_wait"  # the agent waits before it calls the AI service (again); `reason` is a WaitKind
    USER_WAIT = "user_wait"  # the agent's work waits for the user's decision
    PAUSED = "paused"  # the user paused the run
    QUEUED = "queued"  # the run waits for a free slot


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
    ref: str = ""  # the subagent run of a working span, the interrupt of a wait for the user or a pause
    seq: int = 0  # the event that opened it

    @property
    def is_retry(self) -> bool:
        return self.kind == SpanKind.SERVICE_WAIT and self.reason != WaitKind.PACING


@dataclass
class Mark:
    """A moment on the run's lane: a segment of the run ended for good (completed, failed, cancelled, interrupted)."""

    lane: str
    at_ms: int
    outcome: Outcome
    reason: str = ""
    seq: int = 0


@dataclass
class Timeline:
    lanes: dict[str, str] = field(default_factory=lambda: {RUN_LANE: RUN_LANE_TITLE})  # lane -> title, in order
    spans: list[Span] = field(default_factory=list)
    marks: list[Mark] = field(default_factory=list)
    version: int = 0

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
        for lane in {span.lane for span in self.open_spans()}:
            self._end_lane(lane, at_ms, outcome, reason)
        self.marks.append(Mark(RUN_LANE, at_ms, outcome, reason, seq))


def _run_started(timeline: Timeline, seq: int, event) -> None:
    for agent in (event.metadata or {}).get("agents", ()):
        timeline.lanes.setdefault(agent["name"], agent["title"])
    timeline._close(timeline.open_spans(RUN_LANE), event.timestamp, Outcome.RESUMED)  # a pause or the queue ended


def _subagent_started(timeline: Timeline, seq: int, event) -> None:
    timeline.lanes.setdefault(event.name, (event.metadata or {}).get("title", event.name))
    timeline._open(event.name, SpanKind.WORKING, event.timestamp, seq, ref=event.subagent_run_id)


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
    outcome = event.outcome
    kind = getattr(outcome, "type", "success")
    if kind == "interrupt":
        for interrupt in outcome.interrupts:
            if interrupt.reason == InterruptReason.APPROVAL:
                agent = (interrupt.metadata or {}).get("agent", "")
                timeline._open(agent, SpanKind.USER_WAIT, event.timestamp, seq, ref=interrupt.id)
            elif interrupt.reason == InterruptReason.PAUSE:
                timeline._open(RUN_LANE, SpanKind.PAUSED, event.timestamp, seq, ref=interrupt.id)
        return
    timeline._end_run(seq, event.timestamp, Outcome.CANCELLED if kind == "cancelled" else Outcome.DONE)


def _run_error(timeline: Timeline, seq: int, event) -> None:
    outcome = Outcome.INTERRUPTED if event.code == ErrorCode.INTERRUPTED else Outcome.FAILED
    timeline._end_run(seq, event.timestamp, outcome, event.message)


def _custom(timeline: Timeline, seq: int, event) -> bool:
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
        case RunQueued() if not timeline.open_spans(RUN_LANE):
            timeline._open(RUN_LANE, SpanKind.QUEUED, event.timestamp, seq)
        case _:
            return False
    return True


_HANDLERS = {
    EventType.RUN_STARTED: _run_started,
    EventType.RUN_FINISHED: _run_finished,
    EventType.RUN_ERROR: _run_error,
    EventType.SUBAGENT_STARTED: _subagent_started,
    EventType.SUBAGENT_FINISHED: _subagent_ended,
    EventType.SUBAGENT_ERROR: _subagent_ended,
    EventType.CUSTOM: _custom,
}
