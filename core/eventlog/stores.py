"""Which event store a process uses: SQLite in the data dir by default, PostgreSQL when a database URL is set."""

from pathlib import Path

from .protocols import EventStore
from .rows import WriteObserver


def event_store(database_url: str | None, sqlite_path: Path, observe_write: WriteObserver | None = None) -> EventStore:
    """Not opened yet: call `open()` before the first request."""
    if database_url:
        from .pg_store import PgStore  # only a scaled deployment loads the PostgreSQL driver

        return PgStore(database_url, observe_write)
    from .sqlite_store import Store

    return Store(sqlite_path, observe_write)
