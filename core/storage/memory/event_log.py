"""The event log in memory, for tests that want speed: the contracts of core.storage.event_log, kept for as long as
the object lives. Events are kept as JSON, as a database keeps them, so a caller's later change to an event object
never changes the log."""

from dataclasses import replace

from core.domain.catalogue import row_change
from core.domain.custom import check
from core.domain.events import Event, StoredEvent, now_ms, parse_event
from core.domain.fold import SummaryChange

from .tables import MemoryTables


class MemoryEventLog:
    def __init__(self, tables: MemoryTables) -> None:
        self._tables = tables

    async def append(self, run_id: str, events: list[Event], change: SummaryChange | None = None) -> list[StoredEvent]:
        check(events)
        stamp = now_ms()
        log = self._tables.events.setdefault(run_id, [])
        stored = []
        for seq, event in enumerate(events, len(log) + 1):
            event.timestamp = event.timestamp or stamp
            stored.append(StoredEvent(run_id=run_id, seq=seq, event=event))
        log += [(item.seq, item.event_json()) for item in stored]
        run = self._tables.runs.get(run_id)
        if run is not None and (changed := row_change(change or SummaryChange(), stamp)):
            added = {name: getattr(run.row, name) + amount for name, amount in changed.adds.items()}
            run.row = replace(run.row, **changed.sets, **added)
        return stored

    async def read(self, run_id: str, after_seq: int = 0) -> list[StoredEvent]:
        return [StoredEvent(run_id=run_id, seq=seq, event=parse_event(payload))
                for seq, payload in self._tables.events.get(run_id, ()) if seq > after_seq]

    async def check_writable(self) -> bool:
        return True
