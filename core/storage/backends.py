"""Which stores a process uses, built on one database: SQLite in the data dir (one process), PostgreSQL when scaled
out (with the job board, the lock across processes and the facts instances agree on), or memory (tests).

Callers get the protocols; only this module and the composition root (main.py) know the implementations. Nothing
here loads the PostgreSQL driver until a PostgreSQL database is opened.
"""

from collections.abc import Awaitable, Callable
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from pathlib import Path

from .event_log import EventLog
from .job_board import JobBoard
from .memory.event_log import MemoryEventLog
from .memory.run_catalogue import MemoryRunCatalogue
from .memory.tables import MemoryTables
from .memory.user_store import MemoryUserStore
from .run_catalogue import RunCatalogue
from .sql.database import WriteObserver
from .sql.pg_cluster_facts import agreed_fact
from .sql.pg_control_lock import advisory_lock
from .sql.pg_event_log import PgEventLog
from .sql.pg_job_board import PgJobBoard
from .sql.postgres import PgDatabase
from .sql.run_catalogue import SqlRunCatalogue
from .sql.sqlite import SqliteDatabase
from .sql.sqlite_event_log import SqliteEventLog
from .sql.tables import event_heads, events
from .sql.user_store import SqlUserStore
from .user_store import UserStore


async def _nothing_to_close() -> None:
    pass


@dataclass(frozen=True)
class Storage:
    log: EventLog
    catalogue: RunCatalogue
    users: UserStore
    close: Callable[[], Awaitable[None]] = _nothing_to_close


@dataclass(frozen=True, kw_only=True)
class ScaledStorage(Storage):
    jobs: JobBoard
    control_lock: Callable[[str], AbstractAsyncContextManager[None]]  # across every process, per key
    agreed_fact: Callable[[str, str], str]  # (name, value) -> the value the first instance wrote; synchronous


def sqlite_storage(path: Path, observe_write: WriteObserver | None = None) -> Storage:
    """Opened: the file and its tables exist (or were upgraded) when this returns."""
    db = SqliteDatabase(path, observe_write)
    db.open()
    return Storage(SqliteEventLog(db), SqlRunCatalogue(db, with_run=(events,)), SqlUserStore(db), db.close)


def postgres_storage(url: str, observe_write: WriteObserver | None = None) -> ScaledStorage:
    """Opened: the tables exist (or were upgraded) when this returns; the pool's connections are made on first use."""
    db = PgDatabase(url, observe_write)
    db.open()
    board = PgJobBoard(db)
    # Deleting a run locks its head row first, as an append does: the two take their locks in one order.
    catalogue = SqlRunCatalogue(db, with_run=(event_heads, events))
    return ScaledStorage(PgEventLog(db, guard=board), catalogue, SqlUserStore(db), db.close, jobs=board,
                         control_lock=advisory_lock(db), agreed_fact=lambda name, value: agreed_fact(db, name, value))


def memory_storage(tables: MemoryTables | None = None) -> Storage:
    """Stores over `tables` (given again, as a database is opened again), or over new ones."""
    tables = tables or MemoryTables()
    return Storage(MemoryEventLog(tables), MemoryRunCatalogue(tables), MemoryUserStore(tables))


def storage_for(database_url: str | None, sqlite_path: Path) -> Storage:
    """PostgreSQL when a database URL is set, else the SQLite file."""
    return postgres_storage(database_url) if database_url else sqlite_storage(sqlite_path)
