"""The event log as its callers see it: append a run's events (with the change they make to the run's row in the
catalogue, in the same transaction), read them from a sequence number, and whether it can be written.

Implementations: core.storage.sql.sqlite_event_log (the embedded default), core.storage.sql.pg_event_log (scaled),
core.storage.memory.event_log (tests). Each gives a run's events gap-free sequence numbers from 1, persisted before
`append` returns, and refuses a batch with an unknown CUSTOM kind or payload whole (core.domain.custom.check).
"""

from typing import Protocol

from core.domain.events import Event, StoredEvent
from core.domain.fold import SummaryChange

MAX_SEQ = 2**63 - 1  # the largest sequence number (or offset) either database can bind


class EventLog(Protocol):
    async def append(self, run_id: str, events: list[Event],
                     change: SummaryChange | None = None) -> list[StoredEvent]: ...

    async def read(self, run_id: str, after_seq: int = 0) -> list[StoredEvent]: ...

    async def check_writable(self) -> bool: ...
