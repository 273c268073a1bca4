"""The lock of commands that look at a run and then change it, across every scaled process (core.engine.runner's
ControlLock): a PostgreSQL advisory lock per key, held by a transaction, so it frees itself when its holder is
cancelled, fails or dies."""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from sqlalchemy import Connection, func, select

from .postgres import PgDatabase


def _lock(db: Connection, key: str) -> None:
    db.execute(select(func.pg_advisory_xact_lock(func.hashtextextended(key, 0))))


def advisory_lock(db: PgDatabase):
    @asynccontextmanager
    async def locked(key: str) -> AsyncIterator[None]:
        async with db.holding(_lock, key):
            yield

    return locked
