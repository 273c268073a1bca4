"""AG-UI events as BotArmy stores them: every event carries its run id and a gap-free sequence number."""

import time

from ag_ui.core import (
    CustomEvent,
    Event,
    EventType,
    Interrupt,
    RunErrorEvent,
    RunFinishedCancelledOutcome,
    RunFinishedEvent,
    RunFinishedInterruptOutcome,
    RunStartedEvent,
    SubagentErrorEvent,
    SubagentFinishedEvent,
    SubagentStartedEvent,
    TextMessageContentEvent,
    TextMessageEndEvent,
    TextMessageStartEvent,
)
from pydantic import BaseModel, TypeAdapter

__all__ = [
    "CustomEvent", "Event", "EventType", "Interrupt", "RunErrorEvent", "RunFinishedCancelledOutcome",
    "RunFinishedEvent", "RunFinishedInterruptOutcome", "RunStartedEvent",
    "SubagentErrorEvent", "SubagentFinishedEvent", "SubagentStartedEvent", "TextMessageContentEvent",
    "TextMessageEndEvent", "TextMessageStartEvent", "StoredEvent", "custom", "now_ms", "parse_event",
    "AGENT_TASK", "AGENT_WAITING", "ARTIFACT_SAVED", "MESSAGE_DISCARDED", "USAGE", "INTERRUPTED",
    "RUN_CONFIGURED", "RUN_QUEUED", "PAUSE_REQUESTED", "APPROVAL_DECIDED", "APPROVAL", "PAUSE",
    "APPROVE", "REQUEST_CHANGES", "EDIT", "CANCELLED",
]

# Names of our CUSTOM events.
AGENT_TASK = "agent_task"  # value: {agent, task}
ARTIFACT_SAVED = "artifact_saved"  # value: {agent, title, filename, content}
USAGE = "usage"  # value: {agent, prompt_tokens, completion_tokens, estimated, cost_usd}
AGENT_WAITING = "agent_waiting"  # value: {agent, kind, until_ms, attempt}: a visible pause, not an error
MESSAGE_DISCARDED = "message_discarded"  # value: {agent, message_id, reason}: a broken partial answer, void
RUN_CONFIGURED = "run_configured"  # value: {approvals: [agent, ...]}: the run's choices, made when it is created
RUN_QUEUED = "run_queued"  # value: {position}: waiting for a free slot; 1 = next
PAUSE_REQUESTED = "pause_requested"  # value: {}: the run pauses at its next safe point
APPROVAL_DECIDED = "approval_decided"  # value: {interrupt_id, agent, decision, feedback?, content?}

# Reasons of the interrupts that end a run segment (RUN_FINISHED with outcome "interrupt").
APPROVAL = "approval"  # an agent's artifact waits for the user's decision
PAUSE = "pause"  # the user paused the run

# Decisions at an approval checkpoint.
APPROVE, REQUEST_CHANGES, EDIT = "approve", "request_changes", "edit"

# RUN_ERROR code of a run that a server stop cut short.
INTERRUPTED = "interrupted"
# SUBAGENT_ERROR code of an agent stopped because the user cancelled the run.
CANCELLED = "cancelled"

_event_adapter: TypeAdapter[Event] = TypeAdapter(Event)


def now_ms() -> int:
    return int(time.time() * 1000)


def custom(name: str, value: dict) -> CustomEvent:
    return CustomEvent(name=name, value=value, timestamp=now_ms())


def parse_event(payload: str | bytes) -> Event:
    return _event_adapter.validate_json(payload)


class StoredEvent(BaseModel):
    """One event of a run's log, as persisted and as every subscriber receives it."""

    run_id: str
    seq: int
    event: Event

    def event_json(self) -> str:
        return self.event.model_dump_json(by_alias=True)
