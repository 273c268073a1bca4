"""The durable event log in SQLite (WAL). One writer thread owns every write, appends committed in groups
(core.eventlog.group_commit); reads use their own thread."""

import asyncio
import sqlite3
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path

from core.domain.custom import check
from core.domain.events import Event, StoredEvent, now_ms, parse_event
from core.domain.fold import SummaryChange
from core.domain.status import NOT_WORKING, RunStatus
from core.trace import TRACE, Stage

from .group_commit import GroupCommit
from .rows import RUN_COLUMNS, RunPage, RunRow, WriteObserver, run_row

MAX_INTEGER = 2**63 - 1  # SQLite's largest integer: a bigger offset or sequence number cannot be bound

_SCHEMA = """
CREATE TABLE IF NOT EXISTS runs (
    run_id     TEXT PRIMARY KEY,
    brief      TEXT NOT NULL,
    created_ms INTEGER NOT NULL,
    status     TEXT NOT NULL DEFAULT 'running'
);
CREATE TABLE IF NOT EXISTS events (
    run_id  TEXT NOT NULL,
    seq     INTEGER NOT NULL,
    type    TEXT NOT NULL,
    payload TEXT NOT NULL,
    PRIMARY KEY (run_id, seq)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS runs_by_created ON runs (created_ms DESC);
CREATE INDEX IF NOT EXISTS runs_by_status ON runs (status, created_ms DESC);
"""
# Indexes on added columns, created once the columns exist.
_ADDED_INDEXES = """
CREATE INDEX IF NOT EXISTS runs_by_owner ON runs (owner, created_ms DESC);
CREATE UNIQUE INDEX IF NOT EXISTS runs_by_thread ON runs (owner, thread_id) WHERE thread_id IS NOT NULL;
"""
# Columns added after the first release; a database from an earlier version gains them when opened.
_ADDED_COLUMNS = {
    "title": "TEXT NOT NULL DEFAULT ''",
    "ended_ms": "INTEGER",
    "tokens": "INTEGER NOT NULL DEFAULT 0",
    "cost_usd": "REAL NOT NULL DEFAULT 0",
    # The user the run belongs to; '' for runs from before users existed (see adopt_unowned_runs).
    "owner": "TEXT NOT NULL DEFAULT ''",
    "thread_id": "TEXT",  # the AG-UI thread the run answers, unique per owner
    "verdict": "TEXT",  # of the project's tests (core.domain.status.VerifyStatus); NULL until they first run
}


def _connect(path: Path) -> sqlite3.Connection:
    connection = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
    connection.execute("PRAGMA journal_mode=WAL")
    connection.execute("PRAGMA synchronous=NORMAL")
    connection.execute("PRAGMA busy_timeout=5000")
    # A deleted run's text is overwritten on disk, not just unlinked from the b-tree.
    connection.execute("PRAGMA secure_delete=ON")
    return connection


@contextmanager
def _transaction(db: sqlite3.Connection, observe: WriteObserver | None, operation: str) -> Iterator[None]:
    """`observe` gets BEGIN to COMMIT, timed in the writer thread that waits for the disk."""
    started = time.perf_counter()
    db.execute("BEGIN")
    try:
        yield
    except BaseException:
        db.execute("ROLLBACK")
        raise
    db.execute("COMMIT")
    if observe is not None:
        observe(operation, time.perf_counter() - started)


class Store:
    """Appends events with per-run sequence numbers assigned inside the single writer thread, so they are gap-free."""

    dialect = "sqlite"

    def __init__(self, path: Path, observe_write: WriteObserver | None = None) -> None:
        self.path = path
        self._observe_write = observe_write
        self._writer = ThreadPoolExecutor(max_workers=1, thread_name_prefix="store-writer")
        self._reader = ThreadPoolExecutor(max_workers=1, thread_name_prefix="store-reader")
        self._write_db: sqlite3.Connection | None = None
        self._read_db: sqlite3.Connection | None = None
        self._last_seq: dict[str, int] = {}
        self._appends = GroupCommit(self._append_batch, self._writer)

    def open(self) -> None:
        """Open synchronously: the store must be ready before the server answers its first request."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._write_db = _connect(self.path)
        self._write_db.executescript(_SCHEMA)
        existing = {row[1] for row in self._write_db.execute("PRAGMA table_info(runs)")}
        for column, declaration in _ADDED_COLUMNS.items():
            if column not in existing:
                self._write_db.execute(f"ALTER TABLE runs ADD COLUMN {column} {declaration}")
        self._write_db.executescript(_ADDED_INDEXES)
        self._read_db = _connect(self.path)

    def add_tables(self, schema: str) -> None:
        """Create the tables another part keeps in the same file (core.users), before the server answers."""
        self._write_db.executescript(schema)

    async def close(self) -> None:
        if self._write_db is not None:
            await self._write(self._write_db.close)
        if self._read_db is not None:
            await self._read(self._read_db.close)
        self._writer.shutdown(wait=True)
        self._reader.shutdown(wait=True)

    async def _write(self, fn, *args):
        return await asyncio.get_running_loop().run_in_executor(self._writer, fn, *args)

    async def _read(self, fn, *args):
        return await asyncio.get_running_loop().run_in_executor(self._reader, fn, *args)

    async def in_writer(self, fn, *args):
        """`fn(connection, *args)` on the writer thread, for the other tables of the file (core.users)."""
        return await self._write(lambda: fn(self._write_db, *args))

    async def in_reader(self, fn, *args):
        return await self._read(lambda: fn(self._read_db, *args))

    # --- writes -------------------------------------------------------------------------------

    async def create_run(self, run_id: str, brief: str, owner: str, thread_id: str | None = None) -> bool:
        """False when a run with this id, or this owner's run of this thread, exists already."""
        return await self._write(self._create_run, run_id, brief, owner, thread_id)

    def _create_run(self, run_id: str, brief: str, owner: str, thread_id: str | None) -> bool:
        return self._write_db.execute(
            "INSERT OR IGNORE INTO runs (run_id, brief, created_ms, owner, thread_id) VALUES (?, ?, ?, ?, ?)",
            (run_id, brief, now_ms(), owner, thread_id)).rowcount == 1

    async def adopt_unowned_runs(self, owner: str) -> int:
        """Give the runs made before users existed to `owner`; how many there were."""
        return await self._write(self._adopt, owner)

    def _adopt(self, owner: str) -> int:
        return self._write_db.execute("UPDATE runs SET owner = ? WHERE owner = ''", (owner,)).rowcount

    async def append(self, run_id: str, events: list[Event], change: SummaryChange | None = None) -> list[StoredEvent]:
        """Persist events in one transaction; `change` also updates the run's row in the history list.

        Appends that arrive while a transaction is in flight share the next one (group commit); each returns once
        its own events are committed."""
        check(events)  # here, so that one refused append never fails the others of its batch
        return await self._appends.submit((run_id, events, change or SummaryChange()))

    def _append_batch(self, batch: list[tuple[str, list[Event], SummaryChange]]) -> list[list[StoredEvent]]:
        db = self._write_db
        stamp = now_ms()
        last_seq: dict[str, int] = {}  # as it will be once this transaction commits
        results, rows = [], []
        for run_id, events, _ in batch:
            last = last_seq.get(run_id, self._last_seq.get(run_id))
            if last is None:
                last = db.execute("SELECT COALESCE(MAX(seq), 0) FROM events WHERE run_id = ?",
                                  (run_id,)).fetchone()[0]
            for event in events:
                event.timestamp = event.timestamp or stamp
            stored = [StoredEvent(run_id=run_id, seq=last + i, event=event) for i, event in enumerate(events, 1)]
            rows += [(run_id, item.seq, item.event.type.value, item.event_json()) for item in stored]
            last_seq[run_id] = last + len(events)
            results.append(stored)
        with _transaction(db, self._observe_write, "append"):
            db.executemany("INSERT INTO events (run_id, seq, type, payload) VALUES (?, ?, ?, ?)", rows)
            for run_id, _, change in batch:
                if change.status is not None:
                    db.execute("UPDATE runs SET status = ?, ended_ms = ? WHERE run_id = ?",
                               (change.status, stamp if change.status in NOT_WORKING else None, run_id))
                if change.verdict is not None:
                    db.execute("UPDATE runs SET verdict = ? WHERE run_id = ?", (change.verdict, run_id))
                if change.tokens or change.cost_usd:
                    db.execute("UPDATE runs SET tokens = tokens + ?, cost_usd = cost_usd + ? WHERE run_id = ?",
                               (change.tokens, change.cost_usd, run_id))
        self._last_seq.update(last_seq)
        if TRACE.on:
            for run_id, seq, *_ in rows:
                TRACE.note(Stage.COMMITTED, f"{run_id}|{seq}")
        return results

    async def rename_run(self, run_id: str, title: str) -> bool:
        return await self._write(self._rename_run, run_id, title)

    def _rename_run(self, run_id: str, title: str) -> bool:
        return self._write_db.execute("UPDATE runs SET title = ? WHERE run_id = ?", (title, run_id)).rowcount == 1

    async def delete_run(self, run_id: str) -> bool:
        """Remove the run and its events; the freed pages are zeroed and the WAL emptied, so no copy stays on disk."""
        return await self._write(self._delete_run, run_id)

    def _delete_run(self, run_id: str) -> bool:
        db = self._write_db
        with _transaction(db, self._observe_write, "delete"):
            db.execute("DELETE FROM events WHERE run_id = ?", (run_id,))
            deleted = db.execute("DELETE FROM runs WHERE run_id = ?", (run_id,)).rowcount == 1
        self._last_seq.pop(run_id, None)
        db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        return deleted

    async def check_writable(self) -> bool:
        try:
            await self._write(self._probe_write)
            return True
        except Exception:  # noqa: BLE001 - health reports any failure as not writable
            return False

    def _probe_write(self) -> None:
        self._write_db.execute("BEGIN IMMEDIATE")
        self._write_db.execute("ROLLBACK")

    # --- reads --------------------------------------------------------------------------------

    async def read(self, run_id: str, after_seq: int = 0) -> list[StoredEvent]:
        return await self._read(self._read_events, run_id, after_seq)

    def _read_events(self, run_id: str, after_seq: int) -> list[StoredEvent]:
        rows = self._read_db.execute(
            "SELECT seq, payload FROM events WHERE run_id = ? AND seq > ? ORDER BY seq", (run_id, after_seq))
        return [StoredEvent(run_id=run_id, seq=seq, event=parse_event(payload)) for seq, payload in rows]

    async def get_run(self, run_id: str) -> RunRow | None:
        """Whoever owns it: callers on behalf of a user check the owner (core.engine.queries.RunQueries.owned)."""
        rows = await self._read(self._select_runs, "WHERE run_id = ?", (run_id,))
        return rows[0] if rows else None

    async def run_of_thread(self, owner: str, thread_id: str) -> RunRow | None:
        rows = await self._read(self._select_runs, "WHERE owner = ? AND thread_id = ?", (owner, thread_id))
        return rows[0] if rows else None

    async def list_runs(self, owner: str, limit: int = 50, offset: int = 0, *, status: RunStatus | None = None,
                        search: str | None = None) -> RunPage:
        """The owner's runs, newest first; `status` filters by status, `search` finds text in the brief or title
        (case-insensitive)."""
        return await self._read(self._page_of_runs, owner, limit, offset, status, search)

    def _page_of_runs(self, owner: str, limit: int, offset: int, status: str | None, search: str | None) -> RunPage:
        conditions, params = ["owner = ?"], [owner]
        if status:
            conditions.append("status = ?")
            params.append(status)
        if search:
            pattern = "%" + search.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
            conditions.append("(brief LIKE ? ESCAPE '\\' OR title LIKE ? ESCAPE '\\')")
            params += [pattern, pattern]
        where = f"WHERE {' AND '.join(conditions)}"
        total = self._read_db.execute(f"SELECT COUNT(*) FROM runs {where}", params).fetchone()[0]
        rows = self._select_runs(f"{where} ORDER BY created_ms DESC LIMIT ? OFFSET ?", (*params, limit, offset))
        return RunPage(rows, total)

    async def runs_with_status(self, status: RunStatus) -> list[RunRow]:
        return await self._read(self._select_runs, "WHERE status = ?", (status,))

    def _select_runs(self, clause: str, params: tuple) -> list[RunRow]:
        return [run_row(values) for values in self._read_db.execute(f"SELECT {RUN_COLUMNS} FROM runs {clause}",
                                                                     params)]
