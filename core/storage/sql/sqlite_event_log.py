"""The embedded event log, in the SQLite database's writer thread: appends that arrive while a transaction is in
flight share the next one (core.storage.group_commit), and sequence numbers are assigned inside it, so they are
gap-free."""

from sqlalchemy import Connection, bindparam, func, select

from core.domain.catalogue import row_change
from core.domain.custom import check
from core.domain.events import Event, StoredEvent, now_ms
from core.domain.fold import SummaryChange
from core.storage.group_commit import GroupCommit
from core.trace import TRACE, Stage

from .events import INSERT_EVENTS, event_rows, read_events
from .precompiled import Precompiled
from .run_catalogue import summary_update
from .sqlite import SqliteDatabase
from .tables import events as events_table

Append = tuple[str, list[Event], SummaryChange]

_LAST_SEQ = Precompiled(select(func.max(events_table.c.seq)).where(events_table.c.run_id == bindparam("run_id")))


def _append_batch(db: Connection, batch: list[Append]) -> list[list[StoredEvent]]:
    """In the writer thread, which holds the write lock: the last sequence number read here is the last there is."""
    stamp = now_ms()
    last_seq: dict[str, int] = {}
    results, rows = [], []
    for run_id, events, _ in batch:
        last = last_seq.get(run_id)
        if last is None:
            last = _LAST_SEQ.execute(db, run_id=run_id).fetchone()[0] or 0
        for event in events:
            event.timestamp = event.timestamp or stamp
        stored = [StoredEvent(run_id=run_id, seq=last + i, event=event) for i, event in enumerate(events, 1)]
        rows += event_rows(stored)
        last_seq[run_id] = last + len(events)
        results.append(stored)
    INSERT_EVENTS.execute_many(db, rows)
    for run_id, _, change in batch:
        if changed := row_change(change, stamp):
            db.execute(summary_update(run_id, changed))
    return results


class SqliteEventLog:
    def __init__(self, db: SqliteDatabase) -> None:
        self._db = db
        self._appends: GroupCommit[Append, list[StoredEvent]] = GroupCommit(self._commit)

    async def append(self, run_id: str, events: list[Event], change: SummaryChange | None = None) -> list[StoredEvent]:
        """Persist events in one transaction; `change` also updates the run's row in the catalogue. Returns once its
        own events are committed."""
        check(events)  # here, so that one refused append never fails the others of its batch
        return await self._appends.submit((run_id, events, change or SummaryChange()))

    async def _commit(self, batch: list[Append]) -> list[list[StoredEvent]]:
        results = await self._db.write(_append_batch, batch, timed_as="append")
        if TRACE.on:
            for stored in results:
                for item in stored:
                    TRACE.note(Stage.COMMITTED, f"{item.run_id}|{item.seq}")
        return results

    async def read(self, run_id: str, after_seq: int = 0) -> list[StoredEvent]:
        return await self._db.read(read_events, run_id, after_seq)

    async def check_writable(self) -> bool:
        return await self._db.check_writable()
