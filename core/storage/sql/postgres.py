"""The scaled database: PostgreSQL, shared by every web instance and worker, through one pool of connections per
process (SQLAlchemy's asyncio engine on psycopg). Instances that start together make or upgrade the tables one at a
time."""

import asyncio
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from sqlalchemy import Connection, create_engine, func, inspect, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from .database import T, WriteObserver, Work
from .tables import SCALED, create_or_upgrade, jobs

_SCHEMA_LOCK = 0x62617461  # an advisory lock: instances that start together create the schema one at a time
# Earlier versions kept a run's job in its row of `runs`; opened, such a database moves them to `jobs`.
_JOB_COLUMNS = [column.name for column in jobs.columns if column.name != "run_id"]


def _psycopg(url: str) -> str:
    """postgresql://… as operators write it, driven by psycopg (3)."""
    return make_url(url).set(drivername="postgresql+psycopg").render_as_string(hide_password=False)


def _move_jobs_out_of_runs(db: Connection) -> None:
    if "job_wanted" not in {column["name"] for column in inspect(db).get_columns("runs")}:
        return
    columns = ", ".join(["run_id", *_JOB_COLUMNS])
    db.execute(text(f"INSERT INTO jobs ({columns}) SELECT {columns} FROM runs WHERE job_wanted OR lease_epoch > 0"))
    db.execute(text("ALTER TABLE runs " + ", ".join(f"DROP COLUMN {name}" for name in _JOB_COLUMNS)))


class PgDatabase:
    def __init__(self, url: str, observe_write: WriteObserver | None = None, pool_size: int = 10) -> None:
        self.url = _psycopg(url)
        self._observe_write = observe_write
        self._pool_size = pool_size
        self._engine: AsyncEngine | None = None

    def open(self) -> None:
        """Create or upgrade the tables; synchronous, so the database is ready before the first request."""
        setup = create_engine(self.url)
        try:
            with setup.begin() as db:
                db.execute(select(func.pg_advisory_xact_lock(_SCHEMA_LOCK)))
                create_or_upgrade(db, SCALED)
                _move_jobs_out_of_runs(db)
        finally:
            setup.dispose()
        # Connections are made on first use, in the event loop that serves requests.
        self._engine = create_async_engine(self.url, pool_size=self._pool_size, max_overflow=0, pool_timeout=30)

    def now(self, work: Work[T], *args) -> T:
        """`work(connection, *args)` in a transaction of its own, synchronously: for checks at start-up."""
        setup = create_engine(self.url)
        try:
            with setup.begin() as db:
                return work(db, *args)
        finally:
            setup.dispose()

    async def close(self) -> None:
        if self._engine is not None:
            await self._engine.dispose()

    @asynccontextmanager
    async def holding(self, work: Work[T], *args) -> AsyncIterator[T]:
        """`work(connection, *args)` in a transaction that stays open until the block ends (what it locked stays
        locked), then commits; rolled back if the block fails or is cancelled."""
        async with self._engine.begin() as db:
            yield await db.run_sync(work, *args)

    async def read(self, work: Work[T], *args) -> T:
        async with self._engine.connect() as db:
            return await db.run_sync(work, *args)

    async def write(self, work: Work[T], *args, timed_as: str | None = None) -> T:
        started = time.perf_counter()
        async with self._engine.begin() as db:
            result = await db.run_sync(work, *args)
        if timed_as and self._observe_write is not None:
            self._observe_write(timed_as, time.perf_counter() - started)
        return result

    async def erase(self, work: Work[T], *args) -> T:
        return await self.write(work, *args, timed_as="delete")

    async def check_writable(self) -> bool:
        try:
            return bool(await asyncio.wait_for(self.read(_primary), 5))
        except Exception:  # noqa: BLE001 - health reports any failure as not writable
            return False


def _primary(db: Connection) -> bool:
    """Not a standby replaying another server's log (which cannot be written)."""
    return not db.execute(select(func.pg_is_in_recovery())).scalar()
