"""The embedded database: one SQLite file (WAL) beside the server. One thread owns every write, another does the
reads, each with its own connection; writers in other processes (the `users` command line) wait their turn."""

import asyncio
import sqlite3
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from sqlalchemy import Connection, Engine, create_engine, event

from .database import T, WriteObserver, Work
from .tables import EMBEDDED, create_or_upgrade

_PRAGMAS = ("PRAGMA journal_mode=WAL", "PRAGMA synchronous=NORMAL", "PRAGMA busy_timeout=5000",
            # A deleted run's text is overwritten on disk, not just unlinked from the b-tree.
            "PRAGMA secure_delete=ON")


def _lower(value):
    """SQLite's own lower() folds ASCII only: searches ignore case in every script, as PostgreSQL's ILIKE does."""
    return value.lower() if isinstance(value, str) else value


def _engine(path: Path, begin: str) -> Engine:
    """An engine whose transactions start with `begin`: the writer's take the write lock at once (BEGIN IMMEDIATE),
    so a transaction never fails half-way for another process's write."""
    engine = create_engine(f"sqlite:///{path}", connect_args={"check_same_thread": False})

    @event.listens_for(engine, "connect")
    def configure(connection: sqlite3.Connection, _) -> None:
        connection.isolation_level = None  # no implicit BEGIN from the driver: the "begin" event says it
        for pragma in _PRAGMAS:
            connection.execute(pragma)
        connection.create_function("lower", 1, _lower, deterministic=True)

    @event.listens_for(engine, "begin")
    def start(connection: Connection) -> None:
        # On the driver's connection: SQLAlchemy's execution of a statement costs more than the BEGIN itself, and
        # every append (a streamed token) begins a transaction.
        connection.connection.driver_connection.execute(begin)

    return engine


class SqliteDatabase:
    def __init__(self, path: Path, observe_write: WriteObserver | None = None) -> None:
        self.path = path
        self._observe_write = observe_write
        self._writer = ThreadPoolExecutor(max_workers=1, thread_name_prefix="store-writer")
        self._reader = ThreadPoolExecutor(max_workers=1, thread_name_prefix="store-reader")
        self._engines: list[Engine] = []
        self._write_db: Connection | None = None
        self._read_db: Connection | None = None

    def open(self) -> None:
        """Create or upgrade the tables; synchronous, so the database is ready before the server answers."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._engines = [_engine(self.path, "BEGIN IMMEDIATE"), _engine(self.path, "BEGIN")]
        self._write_db, self._read_db = (engine.connect() for engine in self._engines)
        with self._write_db.begin():
            create_or_upgrade(self._write_db, EMBEDDED)

    async def close(self) -> None:
        for db, thread in ((self._write_db, self._writer), (self._read_db, self._reader)):
            if db is not None:
                await asyncio.get_running_loop().run_in_executor(thread, db.close)
            thread.shutdown(wait=True)
        for engine in self._engines:
            engine.dispose()

    async def read(self, work: Work[T], *args) -> T:
        return await asyncio.get_running_loop().run_in_executor(self._reader, self._read_now, work, args)

    def _read_now(self, work: Work[T], args: tuple) -> T:
        with self._read_db.begin():
            return work(self._read_db, *args)

    async def write(self, work: Work[T], *args, timed_as: str | None = None) -> T:
        return await asyncio.get_running_loop().run_in_executor(self._writer, self._write_now, work, args, timed_as)

    def _write_now(self, work: Work[T], args: tuple, timed_as: str | None) -> T:
        """In the writer thread, which waits for the disk: BEGIN to COMMIT is what the observer gets."""
        started = time.perf_counter()
        with self._write_db.begin():
            result = work(self._write_db, *args)
        if timed_as and self._observe_write is not None:
            self._observe_write(timed_as, time.perf_counter() - started)
        return result

    async def erase(self, work: Work[T], *args) -> T:
        """The freed pages are zeroed (secure_delete) and the WAL emptied, so no copy stays on disk."""
        result = await self.write(work, *args, timed_as="delete")
        await asyncio.get_running_loop().run_in_executor(self._writer, self._checkpoint)
        return result

    def _checkpoint(self) -> None:
        self._write_db.connection.driver_connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")  # outside any BEGIN

    async def check_writable(self) -> bool:
        try:
            await self.write(lambda db: None)  # BEGIN IMMEDIATE takes the write lock, or fails
            return True
        except Exception:  # noqa: BLE001 - health reports any failure as not writable
            return False
