"""The run's timeline as a chart: one lane per agent, one for the run and one for the tests and commands run in its
workspace, drawn with the ECharts that NiceGUI ships for `ui.echart`.

The chart is a small component of its own (timeline_chart.js) because the lanes need a drawing function, keyboard
stepping and a clock for what is still going on, all in the browser. The server sends the spans only when the
timeline moved (a few times per agent, never per token), each with the sentence that hover, focus and screen
readers show.
"""

from collections import OrderedDict

from nicegui import ui
from nicegui.element import Element

from core.domain.events import now_ms
from core.domain.status import WaitKind
from core.domain.timeline import Mark, MarkKind, Outcome, Span, SpanKind, Timeline
from core.domain.view import RunView

from . import status

# The chart's series, in legend order: (key, name).
SERIES = {
    "working": "Working", "failed": "Failed", "stopped": "Stopped", "service_wait": "Waiting for the AI service",
    "user_wait": "Waiting for you", "paused": "Paused", "queued": "Waiting for a slot", "tests": "Running the tests",
    "tests_passed": "Tests passed", "tests_failed": "Tests failed", "tests_skipped": "Tests not run",
    "command": "Your commands", "fix": "Fix requested", "end": "Run ended",
}
TEST_SERIES = {None: "tests", Outcome.PASSED: "tests_passed", Outcome.FAILED: "tests_failed"}
STOPPED = "stopped before a verdict"  # also when the run ended under them
VERDICTS = {Outcome.PASSED: "passed", Outcome.FAILED: "failed", Outcome.SKIPPED: "not run"}
COMMAND_SHOWN = 60  # characters of a command that its sentence quotes
WAIT_REASONS = {
    WaitKind.RATE_LIMITED: "the service was busy (rate limit)",
    WaitKind.SERVICE_ERROR: "the service failed and was asked again",
    WaitKind.CONNECTION: "the connection broke and was made again",
    WaitKind.PACING: "keeping within BotArmy's own rate limit",
}
DECISIONS = {
    Outcome.APPROVED: "you approved it", Outcome.EDITED: "you edited and approved it",
    Outcome.CHANGES_REQUESTED: "you asked for changes", Outcome.CANCELLED: "the run was cancelled",
    Outcome.RESUMED: "you allowed more spending",
}
RUN_ENDS = {Outcome.DONE: "completed", Outcome.FAILED: "failed", Outcome.CANCELLED: "was cancelled",
            Outcome.INTERRUPTED: "was interrupted"}
DRAWN_KEPT = 64  # timelines' items kept for the next tab to draw them (drawn_items)
_DRAWN: OrderedDict[tuple[str, int, int], tuple[dict, ...]] = OrderedDict()
CHART_LABEL = "Timeline of the run. Use the left and right arrow keys to step through what happened."
EMPTY = "The timeline fills in as the agents work."


class TimelineChart(Element, component="timeline_chart.js"):
    """Lanes of spans; `items` carry the drawn values and their sentences (see `chart_items`)."""

    def __init__(self) -> None:
        super().__init__()
        self.props.update(label=CHART_LABEL, lanes=[], items=[], series=SERIES, origin=0, now=0, live=False)

    def show(self, lanes: tuple[str, ...], items: tuple[dict, ...], origin: int, live: bool) -> None:
        self.props.update(lanes=lanes, items=items, origin=origin, now=now_ms(), live=live)  # sends it, once


class RunTimeline:
    def __init__(self) -> None:
        with ui.column().classes("w-full gap-1").props("data-testid=run-timeline"):
            ui.label("Timeline").classes("text-h6")
            self.empty = ui.label(EMPTY).classes("text-grey-7 text-body2")
            self.chart = TimelineChart().classes("w-full")
        self.shown: tuple[int, bool] | None = None

    def update(self, view: RunView) -> None:
        timeline = view.timeline
        # Waiting for the user grows too, and so does a command typed after the run ended.
        live = not view.finished or bool(timeline.open_spans())
        if self.shown == (timeline.version, live):
            return  # streamed text: nothing on the timeline moved
        self.shown = (timeline.version, live)
        self.empty.set_visibility(not timeline.spans)
        origin = min((span.start_ms for span in timeline.spans), default=0)
        self.chart.show(tuple(timeline.lanes.values()), drawn_items(view.run_id, timeline, origin), origin, live)


def drawn_items(run_id: str, timeline: Timeline, origin: int) -> tuple[dict, ...]:
    """`chart_items` made once in a process for a version of a run's timeline, however many tabs show it (each tab of
    the run draws it when it moves). A tuple: NiceGUI sends it as it is, where a list would be made observable, item
    by item, in every tab."""
    key = (run_id, timeline.version, origin)
    items = _DRAWN.get(key)
    if items is None:
        items = _DRAWN[key] = tuple(chart_items(timeline, origin))
        if len(_DRAWN) > DRAWN_KEPT:
            _DRAWN.popitem(last=False)
    return items


def chart_items(timeline: Timeline, origin: int) -> list[dict]:
    """One item per span and per mark, in order of time: lane index, series, start and end (ms; None while it
    lasts), and the sentence that describes it."""
    index = {lane: number for number, lane in enumerate(timeline.lanes)}
    items = [{"lane": index[span.lane], "series": _series(span), "start": span.start_ms, "end": span.end_ms,
              "kind": span.kind, "outcome": span.outcome or "", "lane_name": span.lane,
              "text": describe(span, timeline.lanes[span.lane], origin)} for span in timeline.spans]
    items += [{"lane": index[mark.lane], "series": "end" if mark.kind == MarkKind.RUN_ENDED else "fix",
               "start": mark.at_ms, "end": mark.at_ms, "kind": mark.kind, "outcome": mark.outcome or "",
               "lane_name": mark.lane, "text": describe_mark(mark, timeline.lanes[mark.lane], origin)}
              for mark in timeline.marks]
    return sorted(items, key=lambda item: item["start"])


def _series(span: Span) -> str:
    if span.kind == SpanKind.TESTS:
        return TEST_SERIES.get(span.outcome, "tests_skipped")
    if span.kind == SpanKind.WORKING and span.outcome in (Outcome.CANCELLED, Outcome.INTERRUPTED):
        return "stopped"
    if span.kind == SpanKind.WORKING and span.outcome == Outcome.FAILED:
        return "failed"
    return span.kind.value


def clock(ms: int, origin: int) -> str:
    """A moment as minutes and seconds from the timeline's start, e.g. 1:05."""
    minutes, seconds = divmod(max(0, ms - origin) // 1000, 60)
    return f"{minutes}:{seconds:02d}"


def describe(span: Span, title: str, origin: int) -> str:
    """The span in one sentence: who, what, when, for how long, and how it ended."""
    start = clock(span.start_ms, origin)
    when = (f"from {start} to {clock(span.end_ms, origin)} ({status.duration(span.end_ms - span.start_ms)})"
            if span.outcome is not None else f"since {start}")
    match span.kind:
        case SpanKind.WORKING:
            ending = {Outcome.DONE: "", Outcome.FAILED: f"; it failed: {span.reason}",
                      Outcome.CANCELLED: "; cancelled", Outcome.INTERRUPTED: f"; interrupted: {span.reason}"}
            fixing = f", fixing the failing tests (fix {span.fix})" if span.fix else ""
            model = f", calling {span.model}" if span.model else ""
            return f"{title} worked {when}{model}{fixing}{ending.get(span.outcome, '')}."
        case SpanKind.SERVICE_WAIT:
            attempt = f" before attempt {span.attempt}" if span.reason != WaitKind.PACING else ""
            return f"{title} waited for the AI service {when}{attempt}: {WAIT_REASONS[WaitKind(span.reason)]}."
        case SpanKind.USER_WAIT:
            decided = f"; {DECISIONS[span.outcome]}" if span.outcome in DECISIONS else ""
            return f"{title}'s work waited for your decision {when}{decided}."
        case SpanKind.PAUSED:
            return f"The run was paused {when}."
        case SpanKind.QUEUED:
            return f"The run waited for a free slot {when}."
        case SpanKind.TESTS:
            return describe_tests(span, when)
        case SpanKind.COMMAND:
            command = span.label if len(span.label) <= COMMAND_SHOWN else span.label[:COMMAND_SHOWN - 1] + "…"
            return f"You ran “{command}” {when}{_then(span.reason)}"


def describe_tests(span: Span, when: str) -> str:
    """A run of the project's tests: when, after which fix, the verdict with its counts and its summary."""
    after = f" (after fix {span.fix})" if span.fix else ""
    if span.outcome is None:
        return f"The project's tests{after} are running, {when}."
    counts = span.counts
    counted = f" ({counts.passed} passed, {counts.failed} failed, {counts.errors} errors)" if counts else ""
    return f"The project's tests{after} ran {when}: {VERDICTS.get(span.outcome, STOPPED)}{counted}{_then(span.reason)}"


def _then(sentence: str) -> str:
    """A sentence that follows a colon, or the end of the one before it."""
    return f": {sentence.rstrip('.')}." if sentence else "."


def describe_mark(mark: Mark, title: str, origin: int) -> str:
    at = clock(mark.at_ms, origin)
    if mark.kind == MarkKind.FIX_REQUESTED:
        return f"At {at} the failing tests went back to the {title} for fix {mark.fix}{_then(mark.reason)}"
    reason = f": {mark.reason}" if mark.reason and mark.outcome != Outcome.DONE else ""
    return f"The run {RUN_ENDS[mark.outcome]} at {at}{reason}."
