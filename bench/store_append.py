"""The event log's hot path, measured: single-event appends from concurrent writers, on SQLite and on PostgreSQL, in
three ways, each in the same transactions of the same database: SQL strings written by hand on the driver's cursor
(as before), SQLAlchemy Core statements built and executed by SQLAlchemy at each append, and what ships: SQLAlchemy
Core statements compiled once and run on the driver's cursor (core.storage.sql.precompiled). On PostgreSQL also the
hand-written SQL on psycopg's own async connections, without SQLAlchemy's engine, as the PostgreSQL store was before.
The floor is the driver alone: one executemany of every row in one transaction, measured in the same run.

    python bench/store_append.py [--writers 8] [--appends 250] [--rounds 3]

Each writer appends to a run of its own, one event at a time, awaiting each append as the bus does; a round runs every
variant once, in turn, and the best round of each is shown (the machine is shared). PostgreSQL is a throwaway server
(tests/support/engines.py).
"""

import argparse
import asyncio
import sqlite3
import statistics
import sys
import tempfile
import time
from pathlib import Path

import psycopg
from sqlalchemy import func, insert, select
from sqlalchemy.dialects.postgresql import insert as upsert

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from core.domain.events import StoredEvent, TextMessageContentEvent, now_ms  # noqa: E402
from core.storage.sql.pg_event_log import PgEventLog  # noqa: E402
from core.storage.sql.postgres import PgDatabase  # noqa: E402
from core.storage.sql.sqlite import SqliteDatabase  # noqa: E402
from core.storage.sql.sqlite_event_log import SqliteEventLog  # noqa: E402
from core.storage.sql.tables import event_heads, events as events_table  # noqa: E402
from tests.support.engines import postgres_server  # noqa: E402

INSERT = "INSERT INTO events (run_id, seq, type, payload) VALUES ({0}, {0}, {0}, {0})"
NEXT_HEAD = ("INSERT INTO event_heads (run_id, last_seq) VALUES (%s, %s) ON CONFLICT (run_id) "
             "DO UPDATE SET last_seq = event_heads.last_seq + EXCLUDED.last_seq RETURNING last_seq")
DRIVER_ONLY = "SQL strings by hand, psycopg's own connections (before)"
HAND = "SQL strings by hand, driver's cursor"
EXECUTED = "SQLAlchemy Core, built and executed by SQLAlchemy"
SHIPPED = "SQLAlchemy Core, compiled once, driver's cursor (ships)"


def token(i: int) -> TextMessageContentEvent:
    return TextMessageContentEvent(message_id="m", delta=f" token{i}")


def _stored(run_id: str, last: int, events: list) -> list[StoredEvent]:
    stamp = now_ms()
    for event in events:
        event.timestamp = event.timestamp or stamp
    return [StoredEvent(run_id=run_id, seq=last + i, event=event) for i, event in enumerate(events, 1)]


def sqlite_batch_by_hand(db, batch) -> list[list[StoredEvent]]:
    """SqliteEventLog's batch as SQL strings on sqlite3's cursor (no summary changes: the bench's events make none)."""
    cursor = db.connection.cursor()
    last_seq, results, rows = {}, [], []
    for run_id, events, _ in batch:
        last = last_seq.get(run_id)
        if last is None:
            last = cursor.execute("SELECT COALESCE(MAX(seq), 0) FROM events WHERE run_id = ?", (run_id,)).fetchone()[0]
        stored = _stored(run_id, last, events)
        rows += [(run_id, item.seq, item.event.type.value, item.event_json()) for item in stored]
        last_seq[run_id] = last + len(events)
        results.append(stored)
    cursor.executemany(INSERT.format("?"), rows)
    return results


def sqlite_batch_by_sqlalchemy(db, batch) -> list[list[StoredEvent]]:
    """The same batch as statements SQLAlchemy builds and executes each time."""
    last_seq, results, rows = {}, [], []
    for run_id, events, _ in batch:
        last = last_seq.get(run_id)
        if last is None:
            last = db.execute(select(func.coalesce(func.max(events_table.c.seq), 0))
                              .where(events_table.c.run_id == run_id)).scalar_one()
        stored = _stored(run_id, last, events)
        rows += [{"run_id": run_id, "seq": item.seq, "type": item.event.type.value, "payload": item.event_json()}
                 for item in stored]
        last_seq[run_id] = last + len(events)
        results.append(stored)
    db.execute(insert(events_table), rows)
    return results


class HandWrittenSqliteLog(SqliteEventLog):
    async def _commit(self, batch):
        return await self._db.write(sqlite_batch_by_hand, batch, timed_as="append")


class SqlAlchemyExecutedSqliteLog(SqliteEventLog):
    async def _commit(self, batch):
        return await self._db.write(sqlite_batch_by_sqlalchemy, batch, timed_as="append")


class SqlAlchemyExecutedPgLog(PgEventLog):
    def _append(self, db, run_id, events, change):
        head = upsert(event_heads).values(run_id=run_id, last_seq=len(events))
        last = db.execute(head.on_conflict_do_update(
            index_elements=[event_heads.c.run_id], set_={"last_seq": event_heads.c.last_seq + head.excluded.last_seq}
        ).returning(event_heads.c.last_seq)).scalar_one()
        self._guard.check(db, run_id, events)
        stored = _stored(run_id, last - len(events), events)
        db.execute(insert(events_table), [{"run_id": run_id, "seq": item.seq, "type": item.event.type.value,
                                           "payload": item.event_json()} for item in stored])
        return stored


class HandWrittenPgLog(PgEventLog):
    def _append(self, db, run_id, events, change):
        cursor = db.connection.cursor()
        cursor.execute(NEXT_HEAD, (run_id, len(events)))
        last = cursor.fetchone()[0]
        self._guard.check(db, run_id, events)
        stored = _stored(run_id, last - len(events), events)
        cursor.executemany(INSERT.format("%s"), [(run_id, item.seq, item.event.type.value, item.event_json())
                                                 for item in stored])
        if change:
            raise AssertionError("the bench's events change no run row")
        return stored


class DriverOnlyPgLog:
    """Appends on psycopg's own async connections (ten, as the pool of the engine), no SQLAlchemy at all."""

    def __init__(self, db: PgDatabase) -> None:
        self._url = db.url.replace("postgresql+psycopg", "postgresql")
        self._idle: asyncio.Queue | None = None

    async def append(self, run_id: str, events: list) -> list[StoredEvent]:
        if self._idle is None:
            self._idle = asyncio.Queue()
            for _ in range(10):
                self._idle.put_nowait(await psycopg.AsyncConnection.connect(self._url, autocommit=True))
        db = await self._idle.get()
        try:
            async with db.transaction():
                last = (await (await db.execute(NEXT_HEAD, (run_id, len(events)))).fetchone())[0]
                stored = _stored(run_id, last - len(events), events)
                async with db.cursor() as cursor:
                    await cursor.executemany(INSERT.format("%s"), [
                        (run_id, item.seq, item.event.type.value, item.event_json()) for item in stored])
            return stored
        finally:
            self._idle.put_nowait(db)

    async def close(self) -> None:
        while self._idle is not None and not self._idle.empty():
            await self._idle.get_nowait().close()


async def writers(log, prefix: str, count: int, appends: int) -> tuple[float, list[float]]:
    """(appends a second, each append's latency in ms)."""
    latencies: list[float] = []

    async def writer(n: int) -> None:
        for i in range(appends):
            started = time.perf_counter()
            await log.append(f"{prefix}-{n}", [token(i)])
            latencies.append((time.perf_counter() - started) * 1000)

    started = time.perf_counter()
    await asyncio.gather(*(writer(n) for n in range(count)))
    return count * appends / (time.perf_counter() - started), latencies


def rows(prefix: str, total: int) -> list[tuple]:
    return [(prefix, i + 1, "TEXT_MESSAGE_CONTENT", StoredEvent(run_id=prefix, seq=i + 1, event=token(i)).event_json())
            for i in range(total)]


def sqlite_floor(path: Path, prefix: str, total: int) -> float:
    with sqlite3.connect(path, isolation_level=None) as db:
        started = time.perf_counter()
        db.execute("BEGIN IMMEDIATE")
        db.executemany(INSERT.format("?"), rows(prefix, total))
        db.execute("COMMIT")
        return total / (time.perf_counter() - started)


def pg_floor(url: str, prefix: str, total: int) -> float:
    with psycopg.connect(url) as db:
        started = time.perf_counter()
        with db.transaction(), db.cursor() as cursor:
            cursor.executemany(INSERT.format("%s"), rows(prefix, total))
        return total / (time.perf_counter() - started)


async def measure(name: str, open_database, logs: dict, floor, count: int, appends: int,
                  rounds: int) -> list[tuple]:
    """`logs`: variant -> the event log class, made on a database `open_database()` returns (opened)."""
    results: dict[str, list[tuple[float, list[float]]]] = {}
    for round_ in range(rounds):
        for number, (variant, log_class) in enumerate(logs.items()):
            db = open_database()
            log = log_class(db)
            results.setdefault(variant, []).append(await writers(log, f"v{number}r{round_}", count, appends))
            if hasattr(log, "close"):
                await log.close()
            await db.close()
        results.setdefault("floor", []).append((floor(f"floor{round_}", count * appends), []))
    table = []
    for variant, measured in results.items():
        rate, latencies = max(measured, key=lambda result: result[0])
        p50 = statistics.median(latencies) if latencies else None
        p99 = sorted(latencies)[int(0.99 * (len(latencies) - 1))] if latencies else None
        table.append((name, variant, rate, p50, p99))
    return table


def opened(database):
    database.open()
    return database


async def main(count: int, appends: int, rounds: int) -> None:
    table = []
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "bench.sqlite3"
        table += await measure("SQLite", lambda: opened(SqliteDatabase(path)),
                               {HAND + " (before)": HandWrittenSqliteLog, EXECUTED: SqlAlchemyExecutedSqliteLog,
                                SHIPPED: SqliteEventLog},
                               lambda prefix, total: sqlite_floor(path, prefix, total), count, appends, rounds)
    with postgres_server() as server:
        url = server.new_database()
        table += await measure("PostgreSQL", lambda: opened(PgDatabase(url)),
                               {DRIVER_ONLY: DriverOnlyPgLog, HAND: HandWrittenPgLog, EXECUTED: SqlAlchemyExecutedPgLog,
                                SHIPPED: PgEventLog},
                               lambda prefix, total: pg_floor(url, prefix, total), count, appends, rounds)
    print(f"{count} writers × {appends} single-event appends each; best of {rounds} rounds\n")
    print("| database | variant | appends/s | p50 ms | p99 ms | appends/s vs floor |")
    print("|---|---|---:|---:|---:|---:|")
    floors = {name: rate for name, variant, rate, *_ in table if variant == "floor"}
    for name, variant, rate, p50, p99 in table:
        label = "floor: the driver's executemany, one transaction" if variant == "floor" else variant
        latency = (f"{p50:.2f} | {p99:.2f}" if p50 is not None else "– | –")
        print(f"| {name} | {label} | {rate:,.0f} | {latency} | {rate / floors[name]:.3f} |")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--writers", type=int, default=8)
    parser.add_argument("--appends", type=int, default=250)
    parser.add_argument("--rounds", type=int, default=3)
    options = parser.parse_args()
    asyncio.run(main(options.writers, options.appends, options.rounds))
