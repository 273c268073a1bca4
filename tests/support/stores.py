"""The stores on each backend, for the contract suites (tests/contract): SQLite in a file, PostgreSQL in a fresh
database, and memory, each as a Backend that opens them (again) and reaches past them into what they keep."""

import sqlite3
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import psycopg

from core.domain.catalogue import RunRow
from core.domain.status import RunStatus
from core.storage.backends import Storage, memory_storage, postgres_storage, sqlite_storage
from core.storage.memory.tables import MemoryRun, MemoryTables
from core.storage.sql.tables import SCALED

BACKENDS = ["sqlite", "postgresql", "memory"]
RUN_ROW = "INSERT INTO runs (run_id, brief, created_ms, status, owner) VALUES (?, ?, ?, ?, ?)"


@dataclass
class Backend:
    name: str
    open: Callable[[], Storage]  # the stores of one database: called again, as another process (or a restart) does
    seed_runs: Callable[[list[tuple]], None]  # (run_id, brief, created_ms, status, owner) rows, in one transaction
    kept: Callable[[], str]  # everything the database holds, as text: to look for what must never be there


def sqlite_backend(path: Path) -> Backend:
    def seed(rows: list[tuple]) -> None:
        with sqlite3.connect(path) as db:
            db.executemany(RUN_ROW, rows)

    def kept() -> str:
        with sqlite3.connect(path) as db:
            return "\n".join(db.iterdump())

    return Backend("sqlite", lambda: sqlite_storage(path), seed, kept)


def postgres_backend(url: str) -> Backend:
    def seed(rows: list[tuple]) -> None:
        with psycopg.connect(url) as db, db.cursor() as cursor:
            cursor.executemany(RUN_ROW.replace("?", "%s"), rows)

    def kept() -> str:
        with psycopg.connect(url) as db:
            return "\n".join(repr(db.execute(f"SELECT * FROM {table.name}").fetchall()) for table in SCALED)

    return Backend("postgresql", lambda: postgres_storage(url), seed, kept)


def memory_backend() -> Backend:
    tables = MemoryTables()

    def seed(rows: list[tuple]) -> None:
        for run_id, brief, created_ms, status, owner in rows:
            tables.runs[run_id] = MemoryRun(RunRow(run_id, brief, "", created_ms, None, RunStatus(status), 0, 0.0,
                                                   owner), None)

    return Backend("memory", lambda: memory_storage(tables), seed, lambda: repr(tables))
