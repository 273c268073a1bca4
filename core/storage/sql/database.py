"""What the SQL stores run on: a database that runs a function of a SQLAlchemy connection in a transaction. The
statements are the stores' (one per operation, for both dialects); where and how they run is the database's:
SQLite's threads (core.storage.sql.sqlite) or PostgreSQL's connection pool (core.storage.sql.postgres)."""

from collections.abc import Callable
from typing import Protocol, TypeVar

T = TypeVar("T")
Work = Callable[..., T]  # called with a sqlalchemy.Connection, then the arguments given with it

WriteObserver = Callable[[str, float], None]  # (operation, seconds): "append" or "delete", BEGIN to COMMIT


def rowcount(db, statement) -> int:
    """Work that executes one statement: the rows it changed."""
    return db.execute(statement).rowcount


class Database(Protocol):
    async def read(self, work: Work[T], *args) -> T:
        """`work(connection, *args)` in a transaction that sees one moment of the database."""

    async def write(self, work: Work[T], *args, timed_as: str | None = None) -> T:
        """`work(connection, *args)` in one transaction: all of it commits, or none of it. `timed_as` names the
        operation for the write observer."""

    async def erase(self, work: Work[T], *args) -> T:
        """A write that removes what a user asked to be gone (timed as "delete"): no copy of it stays on disk."""

    async def check_writable(self) -> bool: ...

    async def close(self) -> None: ...
