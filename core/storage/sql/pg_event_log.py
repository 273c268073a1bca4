"""The scaled event log in PostgreSQL, with SQLite's guarantees: per-run gap-free sequence numbers, persisted before
anyone sees an event, replay from any sequence number.

Sequence numbers come from one row per run (`event_heads`), incremented in the append's own transaction: two
processes appending to one run take turns on that row, so numbers have no gap and commit in order. A worker's appends
are fenced by its lease (AppendGuard, the job board's) in the same transaction.
"""

from typing import Protocol

from sqlalchemy import Connection, bindparam
from sqlalchemy.dialects.postgresql import insert as upsert

from core.domain.catalogue import row_change
from core.domain.custom import check
from core.domain.events import Event, StoredEvent, now_ms
from core.domain.fold import SummaryChange

from .events import INSERT_EVENTS, event_rows, read_events
from .postgres import PgDatabase
from .precompiled import Precompiled
from .run_catalogue import summary_update
from .tables import event_heads


class AppendGuard(Protocol):
    """What else an append checks and changes in its transaction (core.storage.sql.pg_job_board: the lease)."""

    def check(self, db: Connection, run_id: str, events: list[Event]) -> None:
        """After the run's head row is locked, before anything is written; raises to refuse the append."""

    def committed(self, run_id: str, events: list[Event]) -> None: ...


class Unguarded:
    def check(self, db: Connection, run_id: str, events: list[Event]) -> None:
        pass

    def committed(self, run_id: str, events: list[Event]) -> None:
        pass


_head = upsert(event_heads).values(run_id=bindparam("run_id"), last_seq=bindparam("count"))
# The run's last sequence number once `count` more events are in; the row stays locked until the append commits.
_NEXT_HEAD = Precompiled(_head.on_conflict_do_update(
    index_elements=[event_heads.c.run_id], set_={"last_seq": event_heads.c.last_seq + _head.excluded.last_seq}
).returning(event_heads.c.last_seq))


class PgEventLog:
    def __init__(self, db: PgDatabase, guard: AppendGuard = Unguarded()) -> None:
        self._db = db
        self._guard = guard

    async def append(self, run_id: str, events: list[Event], change: SummaryChange | None = None) -> list[StoredEvent]:
        check(events)
        stamp = now_ms()
        for event in events:
            event.timestamp = event.timestamp or stamp
        stored = await self._db.write(self._append, run_id, events, row_change(change or SummaryChange(), stamp),
                                      timed_as="append")
        self._guard.committed(run_id, events)
        return stored

    def _append(self, db: Connection, run_id: str, events: list[Event], change) -> list[StoredEvent]:
        # The head row first, then the guard's (the run's job), then the run's own, in every transaction: no two
        # appends can deadlock.
        last = _NEXT_HEAD.execute(db, run_id=run_id, count=len(events)).fetchone()[0]
        self._guard.check(db, run_id, events)
        first = last - len(events) + 1
        stored = [StoredEvent(run_id=run_id, seq=first + i, event=event) for i, event in enumerate(events)]
        INSERT_EVENTS.execute_many(db, event_rows(stored))
        if change:
            db.execute(summary_update(run_id, change))
        return stored

    async def read(self, run_id: str, after_seq: int = 0) -> list[StoredEvent]:
        return await self._db.read(read_events, run_id, after_seq)

    async def check_writable(self) -> bool:
        return await self._db.check_writable()
