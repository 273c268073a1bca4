"""The spans a run's stored events describe, paired up by their own ids rather than by the fold's rules, so a test
can hold the timeline against them."""

import json

from core.domain.custom import CustomKind
from core.domain.events import EventType, StoredEvent, parse_event
from core.domain.timeline import RUN_LANE, WORKSPACE_LANE, MarkKind, Outcome, SpanKind

DECIDED = {"approve": Outcome.APPROVED, "request_changes": Outcome.CHANGES_REQUESTED, "edit": Outcome.EDITED}
VERDICT = {"passed": Outcome.PASSED, "failed": Outcome.FAILED, "skipped": Outcome.SKIPPED}
COMMAND_ENDED = {"passed": Outcome.PASSED, "interrupted": Outcome.CANCELLED}  # else failed
MARKS = {kind.value for kind in MarkKind}  # moments, not spans


def spans_from_the_log(events: list[StoredEvent]) -> set[tuple]:
    """(lane, kind, start, end, outcome) of each stretch, by pairing each opening event with its closing one."""
    spans, opened = set(), {}
    for item in events:
        event = item.event
        if event.type == EventType.SUBAGENT_STARTED:
            opened[event.subagent_run_id] = (event.name, SpanKind.WORKING, event.timestamp)
        elif event.type == EventType.SUBAGENT_FINISHED:
            spans.add((*opened.pop(event.subagent_run_id), event.timestamp, Outcome.DONE))
        elif event.type == EventType.SUBAGENT_ERROR:
            spans.add((*opened.pop(event.subagent_run_id), event.timestamp, Outcome.FAILED))
        elif event.type == EventType.RUN_FINISHED and getattr(event.outcome, "type", "") == "interrupt":
            for interrupt in event.outcome.interrupts:
                lane, kind = ((interrupt.metadata["agent"], SpanKind.USER_WAIT) if interrupt.reason == "approval"
                              else (RUN_LANE, SpanKind.PAUSED))
                opened[interrupt.id] = (lane, kind, event.timestamp)
        elif event.type == EventType.RUN_STARTED and (paused := [k for k in opened if k.startswith("pause:")]):
            spans.add((*opened.pop(paused[0]), event.timestamp, Outcome.RESUMED))
        elif event.type == EventType.CUSTOM and event.name == CustomKind.APPROVAL_DECIDED:
            spans.add((*opened.pop(event.value["interrupt_id"]), event.timestamp, DECIDED[event.value["decision"]]))
        elif event.type == EventType.CUSTOM and event.name == CustomKind.AGENT_WAITING:
            value = event.value
            spans.add((value["agent"], SpanKind.SERVICE_WAIT, event.timestamp, value["until_ms"], Outcome.DONE))
        elif event.type == EventType.CUSTOM and event.name == CustomKind.VERIFY_STARTED:
            opened["tests"] = (WORKSPACE_LANE, SpanKind.TESTS, event.timestamp)
        elif event.type == EventType.CUSTOM and event.name == CustomKind.VERIFY_FINISHED and "tests" in opened:
            # (a verdict without a run, tests turned off or code missing, is no stretch of time)
            verdict = VERDICT[event.value["status"]] if event.value.get("conclusive", True) else Outcome.INTERRUPTED
            spans.add((*opened.pop("tests"), event.timestamp, verdict))
        elif (event.type == EventType.CUSTOM and event.name == CustomKind.COMMAND_REQUESTED
              and event.value.get("origin", "user") == "user"):
            opened[event.value["command_id"]] = (WORKSPACE_LANE, SpanKind.COMMAND, event.timestamp)
        elif (event.type == EventType.CUSTOM and event.name == CustomKind.COMMAND_ENDED
              and event.value["command_id"] in opened):
            ended = COMMAND_ENDED.get(event.value["status"], Outcome.FAILED)
            spans.add((*opened.pop(event.value["command_id"]), event.timestamp, ended))
    assert not opened, f"every stretch of a finished run has ended: {opened}"
    return spans


def from_server(payloads: list[dict], run_id: str) -> list[StoredEvent]:
    """Events as a test server's SQLite file holds them (JSON), as the store reads them."""
    return [StoredEvent(run_id=run_id, seq=seq, event=parse_event(json.dumps(payload)))
            for seq, payload in enumerate(payloads, 1)]


def shown_spans(page) -> set[tuple]:
    """The spans the run page's timeline lists (lane, kind, start, end, outcome), as the chart draws them."""
    items = page.get_by_test_id("timeline-spans").locator("li").evaluate_all(
        "items => items.map(li => [li.dataset.lane, li.dataset.kind, li.dataset.start, li.dataset.end,"
        " li.dataset.outcome])")
    return {(lane, kind, int(start), int(end) if end else None, outcome)
            for lane, kind, start, end, outcome in items if kind not in MARKS}


def fix_requests_from_the_log(events: list[StoredEvent]) -> list[tuple]:
    """(lane, at, fix) of each time failing tests went back to an agent."""
    return [(event.value["agent"], event.timestamp, event.value["round"]) for event in (item.event for item in events)
            if event.type == EventType.CUSTOM and event.name == CustomKind.FIX_REQUESTED]
