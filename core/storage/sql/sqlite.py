"""The embedded database: one SQLite file (WAL) beside the server. One thread owns every write, another does the
reads, each with its own connection; writers in other processes (the `users` command line) wait their turn."""

import asyncio
import sqlite3
import threading
import time
from collections.abc import Callable
from pathlib import Path
from queue import SimpleQueue

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


class _Thread:
    """One thread that makes the calls handed to it, in order, each result going back to its caller's loop.

    What a one-worker ThreadPoolExecutor does, without its futures chained across threads and its locks, which cost
    about 100 us of CPU more per call when calls come paced as tokens do (measured on a 2-core VM); every append,
    which is every streamed token, makes one. A daemon: a process that ends without closing the database loses only
    writes nobody was told had happened (SQLite rolls an unfinished transaction back)."""

    def __init__(self, name: str) -> None:
        self._calls: SimpleQueue[tuple[Callable, tuple, asyncio.Future] | None] = SimpleQueue()
        self._thread = threading.Thread(target=self._serve, name=name, daemon=True)
        self._thread.start()

    async def run(self, work: Callable[..., T], *args) -> T:
        done = asyncio.get_running_loop().create_future()
        self._calls.put((work, args, done))
        return await done

    def stop(self) -> None:
        """After the calls handed over so far."""
        self._calls.put(None)
        self._thread.join()

    def _serve(self) -> None:
        while (call := self._calls.get()) is not None:
            work, args, done = call
            if done.cancelled():  # its caller stopped waiting before it started, as an executor's would be dropped
                continue
            try:
                outcome, failed = work(*args), False
            except BaseException as error:  # noqa: BLE001 - handed to the caller, as an executor does
                outcome, failed = error, True
            try:
                done.get_loop().call_soon_threadsafe(_settle, done, outcome, failed)
            except RuntimeError:  # the caller's loop is closed: nobody is left to tell
                pass


def _settle(done: asyncio.Future, outcome, failed: bool) -> None:
    if done.cancelled():
        return
    if failed:
        done.set_exception(outcome)
    else:
        done.set_result(outcome)


class SqliteDatabase:
    def __init__(self, path: Path, observe_write: WriteObserver | None = None) -> None:
        self.path = path
        self._observe_write = observe_write
        self._writer = _Thread("store-writer")
        self._reader = _Thread("store-reader")
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
                await thread.run(db.close)
            thread.stop()
        for engine in self._engines:
            engine.dispose()

    async def read(self, work: Work[T], *args) -> T:
        return await self._reader.run(self._read_now, work, args)

    def _read_now(self, work: Work[T], args: tuple) -> T:
        with self._read_db.begin():
            return work(self._read_db, *args)

    async def write(self, work: Work[T], *args, timed_as: str | None = None) -> T:
        return await self._writer.run(self._write_now, work, args, timed_as)

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
        await self._writer.run(self._checkpoint)
        return result

    def _checkpoint(self) -> None:
        self._write_db.connection.driver_connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")  # outside any BEGIN

    async def check_writable(self) -> bool:
        try:
            await self.write(lambda db: None)  # BEGIN IMMEDIATE takes the write lock, or fails
            return True
        except Exception:  # noqa: BLE001 - health reports any failure as not writable
            return False
