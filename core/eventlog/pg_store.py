"""The durable event log in PostgreSQL, shared by every web instance and worker, with SQLite's guarantees: per-run
gap-free sequence numbers, persisted before anyone sees an event, replay from any sequence number.

Sequence numbers come from one row per run (`event_heads`), incremented in the append's own transaction: two
processes appending to one run take turns on that row, so numbers have no gap and commit in order.

Runs are also jobs (the JobBoard protocol): a run that wants a worker is claimed with FOR UPDATE SKIP LOCKED, held
by a lease its worker renews, and taken over by another worker when the lease expires. Every append of a worker
checks its lease epoch in the same transaction (fencing), so a worker that lost its lease can never write again.
"""

import asyncio
import re
import time
from collections.abc import AsyncIterator, Callable
from concurrent.futures import ThreadPoolExecutor
from contextlib import asynccontextmanager
from typing import Any

import psycopg
from psycopg_pool import AsyncConnectionPool

from core.domain.custom import check
from core.domain.events import Event, EventType, StoredEvent, now_ms, parse_event
from core.domain.fold import SummaryChange
from core.domain.status import NOT_WORKING, RunStatus

from .protocols import Claim, LeaseLost
from .rows import RUN_COLUMNS, RunPage, RunRow, WriteObserver, run_row

_SCHEMA = """
CREATE TABLE IF NOT EXISTS runs (
    run_id        TEXT PRIMARY KEY,
    brief         TEXT NOT NULL,
    created_ms    BIGINT NOT NULL,
    status        TEXT NOT NULL DEFAULT 'running',
    title         TEXT NOT NULL DEFAULT '',
    ended_ms      BIGINT,
    tokens        BIGINT NOT NULL DEFAULT 0,
    cost_usd      DOUBLE PRECISION NOT NULL DEFAULT 0,
    owner         TEXT NOT NULL DEFAULT '',
    thread_id     TEXT,
    -- the run as a job: wanted by nobody, queued (no lease), or held by a worker until lease_expires
    job_wanted    BOOLEAN NOT NULL DEFAULT false,
    job_since     TIMESTAMPTZ,
    lease_owner   TEXT,
    lease_epoch   BIGINT NOT NULL DEFAULT 0,
    lease_expires TIMESTAMPTZ,
    signals       TEXT[] NOT NULL DEFAULT '{}',  -- commands for the worker, also sent at once over Redis
    verdict       TEXT  -- of the project's tests (core.domain.status.VerifyStatus); NULL until they first run
);
CREATE TABLE IF NOT EXISTS event_heads (
    run_id   TEXT PRIMARY KEY,
    last_seq BIGINT NOT NULL
);
CREATE TABLE IF NOT EXISTS events (
    run_id  TEXT NOT NULL,
    seq     BIGINT NOT NULL,
    type    TEXT NOT NULL,
    payload TEXT NOT NULL,
    PRIMARY KEY (run_id, seq)
);
CREATE TABLE IF NOT EXISTS cluster_facts (
    name  TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS runs_by_created ON runs (created_ms DESC);
CREATE INDEX IF NOT EXISTS runs_by_owner ON runs (owner, created_ms DESC);
CREATE INDEX IF NOT EXISTS runs_by_status ON runs (status, created_ms DESC);
CREATE UNIQUE INDEX IF NOT EXISTS runs_by_thread ON runs (owner, thread_id) WHERE thread_id IS NOT NULL;
CREATE INDEX IF NOT EXISTS runs_wanting_work ON runs (job_since) WHERE job_wanted;
"""
_SCHEMA_LOCK = 0x62617461  # an advisory lock: instances that start together create the schema one at a time
_ENDINGS = (EventType.RUN_FINISHED, EventType.RUN_ERROR)
_RELEASE = ("job_wanted = false, job_since = NULL, lease_owner = NULL, lease_expires = NULL, signals = '{}'")


class _Qmark:
    """A psycopg connection that takes the `?` placeholders of the SQL that core.users shares with SQLite."""

    IntegrityError = psycopg.IntegrityError

    def __init__(self, connection: psycopg.Connection) -> None:
        self._connection = connection

    def execute(self, sql: str, params: tuple = ()) -> psycopg.Cursor:
        return self._connection.execute(sql.replace("?", "%s"), params)


async def _unlock_all(connection: psycopg.AsyncConnection) -> None:
    """A connection goes back to the pool holding no advisory lock, even when its holder was cancelled mid-way."""
    await connection.execute("SELECT pg_advisory_unlock_all()")


class PgStore:
    dialect = "postgresql"

    def __init__(self, url: str, observe_write: WriteObserver | None = None, pool_size: int = 10) -> None:
        self.url = url
        self._observe_write = observe_write
        self._pool_size = pool_size
        self._pool: AsyncConnectionPool | None = None
        self._pool_ready = asyncio.Lock()
        self._fences: dict[str, int] = {}  # lease epochs of the runs this process works
        # core.users runs plain functions on a connection (as on SQLite's): they get their own, in a thread.
        self._writer = ThreadPoolExecutor(max_workers=1, thread_name_prefix="pg-users-writer")
        self._reader = ThreadPoolExecutor(max_workers=1, thread_name_prefix="pg-users-reader")
        self._write_db: psycopg.Connection | None = None
        self._read_db: psycopg.Connection | None = None

    def open(self) -> None:
        """Create the tables; synchronous, so the store is ready before the first request (as SQLite's is)."""
        with psycopg.connect(self.url) as db, db.transaction():
            db.execute("SELECT pg_advisory_xact_lock(%s)", (_SCHEMA_LOCK,))
            db.execute(_SCHEMA)
        self._write_db = psycopg.connect(self.url, autocommit=True)
        self._read_db = psycopg.connect(self.url, autocommit=True)

    def add_tables(self, schema: str) -> None:
        with psycopg.connect(self.url) as db, db.transaction():
            db.execute("SELECT pg_advisory_xact_lock(%s)", (_SCHEMA_LOCK,))
            db.execute(schema)

    async def close(self) -> None:
        if self._pool is not None:
            await self._pool.close()
        for connection, executor in ((self._write_db, self._writer), (self._read_db, self._reader)):
            if connection is not None:
                await asyncio.get_running_loop().run_in_executor(executor, connection.close)
            executor.shutdown(wait=True)

    async def _connections(self) -> AsyncConnectionPool:
        """The pool, opened on first use inside the running event loop."""
        if self._pool is None:
            async with self._pool_ready:
                if self._pool is None:
                    pool = AsyncConnectionPool(self.url, min_size=2, max_size=self._pool_size, open=False,
                                               kwargs={"autocommit": True}, timeout=30, reset=_unlock_all)
                    await pool.open(wait=True, timeout=30)
                    self._pool = pool
        return self._pool

    @asynccontextmanager
    async def _transaction(self) -> AsyncIterator[psycopg.AsyncConnection]:
        async with (await self._connections()).connection() as db, db.transaction():
            yield db

    async def _one(self, sql: str, params: tuple = ()) -> tuple | None:
        async with (await self._connections()).connection() as db:
            return await (await db.execute(sql, params)).fetchone()

    async def _all(self, sql: str, params: tuple = ()) -> list[tuple]:
        async with (await self._connections()).connection() as db:
            return await (await db.execute(sql, params)).fetchall()

    async def _count(self, sql: str, params: tuple = ()) -> int:
        async with (await self._connections()).connection() as db:
            return (await db.execute(sql, params)).rowcount

    async def in_writer(self, fn: Callable[..., Any], *args) -> Any:
        """`fn(connection, *args)` in one transaction, on the users' writer thread (core.users)."""
        def run():
            with self._write_db.transaction():
                return fn(_Qmark(self._write_db), *args)
        return await asyncio.get_running_loop().run_in_executor(self._writer, run)

    async def in_reader(self, fn: Callable[..., Any], *args) -> Any:
        return await asyncio.get_running_loop().run_in_executor(self._reader, lambda: fn(_Qmark(self._read_db), *args))

    def cluster_fact(self, name: str, value: str) -> str:
        """The value every instance agrees on for `name`: the first one written wins; returns it. Synchronous, for
        start-up checks before the server answers."""
        with psycopg.connect(self.url) as db, db.transaction():
            db.execute("INSERT INTO cluster_facts (name, value) VALUES (%s, %s) ON CONFLICT DO NOTHING", (name, value))
            return db.execute("SELECT value FROM cluster_facts WHERE name = %s", (name,)).fetchone()[0]

    # --- writes -------------------------------------------------------------------------------

    async def create_run(self, run_id: str, brief: str, owner: str, thread_id: str | None = None) -> bool:
        return await self._count(
            "INSERT INTO runs (run_id, brief, created_ms, owner, thread_id) VALUES (%s, %s, %s, %s, %s) "
            "ON CONFLICT DO NOTHING", (run_id, brief, now_ms(), owner, thread_id)) == 1

    async def adopt_unowned_runs(self, owner: str) -> int:
        return await self._count("UPDATE runs SET owner = %s WHERE owner = ''", (owner,))

    async def append(self, run_id: str, events: list[Event], change: SummaryChange | None = None) -> list[StoredEvent]:
        check(events)
        change = change or SummaryChange()
        stamp = now_ms()
        for event in events:
            event.timestamp = event.timestamp or stamp
        fence = self._fences.get(run_id)
        ends = fence is not None and any(event.type in _ENDINGS for event in events)
        started = time.perf_counter()
        async with self._transaction() as db:
            # The head row first, the run row second, in every transaction: no two appends can deadlock.
            last = (await (await db.execute(
                "INSERT INTO event_heads (run_id, last_seq) VALUES (%s, %s) ON CONFLICT (run_id) "
                "DO UPDATE SET last_seq = event_heads.last_seq + EXCLUDED.last_seq RETURNING last_seq",
                (run_id, len(events)))).fetchone())[0]
            if fence is not None:
                held = await (await db.execute(
                    "SELECT lease_epoch FROM runs WHERE run_id = %s FOR UPDATE", (run_id,))).fetchone()
                if held is None or held[0] != fence:
                    raise LeaseLost(run_id)
            first = last - len(events) + 1
            stored = [StoredEvent(run_id=run_id, seq=first + i, event=event) for i, event in enumerate(events)]
            async with db.cursor() as cursor:
                await cursor.executemany(
                    "INSERT INTO events (run_id, seq, type, payload) VALUES (%s, %s, %s, %s)",
                    [(run_id, item.seq, item.event.type.value, item.event_json()) for item in stored])
            if change.status is not None:
                await db.execute("UPDATE runs SET status = %s, ended_ms = %s WHERE run_id = %s",
                                 (change.status, stamp if change.status in NOT_WORKING else None, run_id))
            if change.verdict is not None:
                await db.execute("UPDATE runs SET verdict = %s WHERE run_id = %s", (change.verdict, run_id))
            if change.tokens or change.cost_usd:
                await db.execute("UPDATE runs SET tokens = tokens + %s, cost_usd = cost_usd + %s WHERE run_id = %s",
                                 (change.tokens, change.cost_usd, run_id))
            if ends:  # the segment's end and the job's end are one fact: no moment where one is seen without the other
                await db.execute(f"UPDATE runs SET {_RELEASE} WHERE run_id = %s AND lease_epoch = %s", (run_id, fence))
        if self._observe_write is not None:
            self._observe_write("append", time.perf_counter() - started)
        if ends:
            self._fences.pop(run_id, None)
        return stored

    async def rename_run(self, run_id: str, title: str) -> bool:
        return await self._count("UPDATE runs SET title = %s WHERE run_id = %s", (title, run_id)) == 1

    async def delete_run(self, run_id: str) -> bool:
        started = time.perf_counter()
        async with self._transaction() as db:
            await db.execute("DELETE FROM event_heads WHERE run_id = %s", (run_id,))
            await db.execute("DELETE FROM events WHERE run_id = %s", (run_id,))
            deleted = (await db.execute("DELETE FROM runs WHERE run_id = %s", (run_id,))).rowcount == 1
        if self._observe_write is not None:
            self._observe_write("delete", time.perf_counter() - started)
        return deleted

    async def check_writable(self) -> bool:
        try:
            row = await asyncio.wait_for(self._one("SELECT NOT pg_is_in_recovery()"), 5)
            return bool(row and row[0])
        except Exception:  # noqa: BLE001 - health reports any failure as not writable
            return False

    # --- reads --------------------------------------------------------------------------------

    async def read(self, run_id: str, after_seq: int = 0) -> list[StoredEvent]:
        rows = await self._all("SELECT seq, payload FROM events WHERE run_id = %s AND seq > %s ORDER BY seq",
                               (run_id, after_seq))
        return [StoredEvent(run_id=run_id, seq=seq, event=parse_event(payload)) for seq, payload in rows]

    async def get_run(self, run_id: str) -> RunRow | None:
        rows = await self._select_runs("WHERE run_id = %s", (run_id,))
        return rows[0] if rows else None

    async def run_of_thread(self, owner: str, thread_id: str) -> RunRow | None:
        rows = await self._select_runs("WHERE owner = %s AND thread_id = %s", (owner, thread_id))
        return rows[0] if rows else None

    async def list_runs(self, owner: str, limit: int = 50, offset: int = 0, *, status: RunStatus | None = None,
                        search: str | None = None) -> RunPage:
        conditions, params = ["owner = %s"], [owner]
        if status:
            conditions.append("status = %s")
            params.append(status)
        if search:
            pattern = "%" + re.sub(r"([\\%_])", r"\\\1", search) + "%"
            conditions.append("(brief ILIKE %s OR title ILIKE %s)")
            params += [pattern, pattern]
        where = f"WHERE {' AND '.join(conditions)}"
        total = (await self._one(f"SELECT COUNT(*) FROM runs {where}", tuple(params)))[0]
        rows = await self._select_runs(f"{where} ORDER BY created_ms DESC LIMIT %s OFFSET %s",
                                       (*params, limit, offset))
        return RunPage(rows, total)

    async def runs_with_status(self, status: RunStatus) -> list[RunRow]:
        return await self._select_runs("WHERE status = %s", (status,))

    async def _select_runs(self, clause: str, params: tuple) -> list[RunRow]:
        return [run_row(values) for values in await self._all(f"SELECT {RUN_COLUMNS} FROM runs {clause}", params)]

    # --- runs as jobs (JobBoard) ---------------------------------------------------------------

    async def enqueue(self, run_id: str, held_s: float = 0) -> None:
        """The run wants a worker: any worker may claim it now, or, with `held_s`, once that time has passed without
        another enqueue (the caller records what the worker must see first; if it dies meanwhile, the run is
        claimed all the same)."""
        await self._count("UPDATE runs SET job_wanted = true, job_since = now(), signals = '{}', "
                          "lease_owner = CASE WHEN %s > 0 THEN 'launcher' END, "
                          "lease_expires = CASE WHEN %s > 0 THEN now() + make_interval(secs => %s) END "
                          "WHERE run_id = %s", (held_s, held_s, held_s, run_id))

    async def dequeue_unclaimed(self, run_id: str) -> bool:
        """Take back a job that no worker holds yet; False when one does."""
        return await self._count(f"UPDATE runs SET {_RELEASE} WHERE run_id = %s AND job_wanted AND "
                                 "lease_owner IS NULL", (run_id,)) == 1

    async def job_wanted(self, run_id: str) -> bool:
        row = await self._one("SELECT job_wanted FROM runs WHERE run_id = %s", (run_id,))
        return bool(row and row[0])

    async def jobs_of(self, owner: str) -> int:
        return (await self._one("SELECT COUNT(*) FROM runs WHERE owner = %s AND job_wanted", (owner,)))[0]

    async def job_counts(self) -> tuple[int, int]:
        """(runs held by a worker, runs waiting for one)."""
        row = await self._one("SELECT COUNT(*) FILTER (WHERE lease_expires > now()), "
                              "COUNT(*) FILTER (WHERE lease_expires IS NULL OR lease_expires <= now()) "
                              "FROM runs WHERE job_wanted")
        return row[0], row[1]

    async def add_signal(self, run_id: str, signal: str) -> bool:
        """Record a command for whichever worker works the run (it also hears it at once over Redis)."""
        return await self._count(
            "UPDATE runs SET signals = CASE WHEN %s = ANY(signals) THEN signals ELSE array_append(signals, %s) END "
            "WHERE run_id = %s AND job_wanted", (signal, signal, run_id)) == 1

    async def claim(self, worker: str, lease_s: float, limit: int) -> list[Claim]:
        """Up to `limit` runs that want a worker and have none (never had one, or its lease expired), oldest first.
        Rows another worker is claiming at this moment are skipped, not waited for."""
        rows = await self._all(
            "WITH picked AS (SELECT run_id, lease_owner AS previous FROM runs "
            "  WHERE job_wanted AND (lease_expires IS NULL OR lease_expires < now()) "
            "  ORDER BY job_since LIMIT %s FOR UPDATE SKIP LOCKED) "
            "UPDATE runs SET lease_owner = %s, lease_epoch = runs.lease_epoch + 1, "
            "  lease_expires = now() + make_interval(secs => %s) "
            "FROM picked WHERE runs.run_id = picked.run_id "
            "RETURNING runs.run_id, runs.lease_epoch, runs.owner, picked.previous IS NOT NULL, runs.signals",
            (limit, worker, lease_s))
        return [Claim(run_id, epoch, owner, taken_over, tuple(signals))
                for run_id, epoch, owner, taken_over, signals in rows]

    async def renew(self, worker: str, held: dict[str, int], lease_s: float) -> dict[str, tuple[str, ...]]:
        """Extend the leases still this worker's; returns them with their recorded signals. A run left out was lost
        (taken over, ended, or deleted)."""
        if not held:
            return {}
        rows = await self._all(
            "UPDATE runs SET lease_expires = now() + make_interval(secs => %s) "
            "FROM unnest(%s::text[], %s::bigint[]) AS held(run_id, epoch) "
            "WHERE runs.run_id = held.run_id AND runs.lease_epoch = held.epoch AND runs.lease_owner = %s "
            "AND runs.job_wanted RETURNING runs.run_id, runs.signals",
            (lease_s, list(held), list(held.values()), worker))
        return {run_id: tuple(signals) for run_id, signals in rows}

    async def hand_over(self, run_id: str, epoch: int) -> None:
        """Let another worker take the run over at once (this one stops without finishing it)."""
        await self._count("UPDATE runs SET lease_expires = now() - interval '1 second' "
                          "WHERE run_id = %s AND lease_epoch = %s AND job_wanted", (run_id, epoch))

    def fence(self, run_id: str, epoch: int) -> None:
        """From now on this process's appends to the run succeed only while the run's lease epoch is `epoch`."""
        self._fences[run_id] = epoch

    def unfence(self, run_id: str) -> None:
        self._fences.pop(run_id, None)

    @asynccontextmanager
    async def control_lock(self, key: str) -> AsyncIterator[None]:
        """A lock across every process on `key`, held by a connection: it frees itself if the process dies."""
        async with (await self._connections()).connection() as db:
            await db.execute("SELECT pg_advisory_lock(hashtextextended(%s, 0))", (key,))
            try:
                yield
            finally:
                await db.execute("SELECT pg_advisory_unlock(hashtextextended(%s, 0))", (key,))
