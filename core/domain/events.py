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
    StateDeltaEvent,
    StateSnapshotEvent,
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
    "RunFinishedEvent", "RunFinishedInterruptOutcome", "RunStartedEvent", "StateDeltaEvent", "StateSnapshotEvent",
    "SubagentErrorEvent", "SubagentFinishedEvent", "SubagentStartedEvent", "TextMessageContentEvent",
    "TextMessageEndEvent", "TextMessageStartEvent", "StoredEvent", "now_ms", "parse_event",
]

_event_adapter: TypeAdapter[Event] = TypeAdapter(Event)


def now_ms() -> int:
    return int(time.time() * 1000)


def parse_event(payload: str | bytes) -> Event:
    return _event_adapter.validate_json(payload)


class StoredEvent(BaseModel):
    """One event of a run's log, as persisted and as every subscriber receives it."""

    run_id: str
    seq: int
    event: Event

    def event_json(self) -> str:
        return self.event.model_dump_json(by_alias=True)
