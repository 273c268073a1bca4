"""Runs as jobs for the workers, in PostgreSQL's `jobs` table (the JobBoard protocol).

A run that wants a worker is claimed with FOR UPDATE SKIP LOCKED, held by a lease its worker renews, and taken over
by another worker when the lease expires. The board is also the event log's AppendGuard: every append of a worker
checks its lease epoch in the same transaction (fencing), so a worker that lost its lease can never write again, and
the append that ends a segment ends the job with it.
"""

from datetime import timedelta

from sqlalchemy import Connection, any_, case, func, select, tuple_, update
from sqlalchemy.dialects.postgresql import insert as upsert
from sqlalchemy.exc import IntegrityError

from core.domain.events import Event, EventType
from core.storage.job_board import Claim, LeaseLost

from .database import rowcount
from .postgres import PgDatabase
from .tables import jobs, runs

_ENDINGS = (EventType.RUN_FINISHED, EventType.RUN_ERROR)
_RELEASED = {"job_wanted": False, "job_since": None, "lease_owner": None, "lease_expires": None, "signals": []}
_LAUNCHER = "launcher"  # the lease owner of a job held back until its launch


def _from_now(seconds: float):
    return func.now() + timedelta(seconds=seconds)


def _ends(events: list[Event]) -> bool:
    return any(event.type in _ENDINGS for event in events)


def _scalar(db: Connection, statement):
    return db.execute(statement).scalar()


def _all(db: Connection, statement) -> list[tuple]:
    return [tuple(values) for values in db.execute(statement)]


class PgJobBoard:
    def __init__(self, db: PgDatabase) -> None:
        self._db = db
        self._fences: dict[str, int] = {}  # lease epochs of the runs this process works

    async def enqueue(self, run_id: str, held_s: float = 0) -> None:
        """With `held_s`, the caller records what the worker must see first; if it dies meanwhile, the run is
        claimed all the same once that time has passed."""
        wanted = {"job_wanted": True, "job_since": func.now(), "signals": [],
                  "lease_owner": _LAUNCHER if held_s > 0 else None,
                  "lease_expires": _from_now(held_s) if held_s > 0 else None}
        job = upsert(jobs).values(run_id=run_id, **wanted)
        try:
            await self._db.write(rowcount, job.on_conflict_do_update(index_elements=[jobs.c.run_id], set_=wanted))
        except IntegrityError:
            pass  # the run is gone: nothing to work

    async def dequeue_unclaimed(self, run_id: str) -> bool:
        taken_back = (update(jobs).where(jobs.c.run_id == run_id, jobs.c.job_wanted, jobs.c.lease_owner.is_(None))
                      .values(_RELEASED))
        return await self._db.write(rowcount, taken_back) == 1

    async def job_wanted(self, run_id: str) -> bool:
        return bool(await self._db.read(_scalar, select(jobs.c.job_wanted).where(jobs.c.run_id == run_id)))

    async def jobs_of(self, owner: str) -> int:
        return await self._db.read(_scalar, select(func.count()).select_from(jobs.join(runs))
                                   .where(runs.c.owner == owner, jobs.c.job_wanted))

    async def job_counts(self) -> tuple[int, int]:
        held = jobs.c.lease_expires > func.now()
        waiting = jobs.c.lease_expires.is_(None) | (jobs.c.lease_expires <= func.now())
        [counts] = await self._db.read(_all, select(func.count().filter(held), func.count().filter(waiting))
                                       .where(jobs.c.job_wanted))
        return counts

    async def add_signal(self, run_id: str, signal: str) -> bool:
        """Recorded once however often it is sent (the worker also hears it at once over Redis)."""
        signals = case((any_(jobs.c.signals) == signal, jobs.c.signals),
                       else_=func.array_append(jobs.c.signals, signal))
        recorded = update(jobs).where(jobs.c.run_id == run_id, jobs.c.job_wanted).values(signals=signals)
        return await self._db.write(rowcount, recorded) == 1

    async def claim(self, worker: str, lease_s: float, limit: int) -> list[Claim]:
        """Rows another worker is claiming at this moment are skipped, not waited for."""
        picked = (select(jobs.c.run_id, jobs.c.lease_owner.label("previous"))
                  .where(jobs.c.job_wanted, jobs.c.lease_expires.is_(None) | (jobs.c.lease_expires < func.now()))
                  .order_by(jobs.c.job_since).limit(limit).with_for_update(skip_locked=True).cte("picked"))
        claimed = (update(jobs).where(jobs.c.run_id == picked.c.run_id, runs.c.run_id == jobs.c.run_id)
                   .values(lease_owner=worker, lease_epoch=jobs.c.lease_epoch + 1, lease_expires=_from_now(lease_s))
                   .returning(jobs.c.run_id, jobs.c.lease_epoch, runs.c.owner, picked.c.previous.is_not(None),
                              jobs.c.signals))
        return [Claim(run_id, epoch, owner, taken_over, tuple(signals))
                for run_id, epoch, owner, taken_over, signals in await self._db.write(_all, claimed)]

    async def renew(self, worker: str, held: dict[str, int], lease_s: float) -> dict[str, tuple[str, ...]]:
        if not held:
            return {}
        renewed = (update(jobs).where(tuple_(jobs.c.run_id, jobs.c.lease_epoch).in_(list(held.items())),
                                      jobs.c.lease_owner == worker, jobs.c.job_wanted)
                   .values(lease_expires=_from_now(lease_s)).returning(jobs.c.run_id, jobs.c.signals))
        return {run_id: tuple(signals) for run_id, signals in await self._db.write(_all, renewed)}

    async def hand_over(self, run_id: str, epoch: int) -> None:
        """The lease expires now: another worker takes the run over at once."""
        await self._db.write(rowcount, update(jobs).where(jobs.c.run_id == run_id, jobs.c.lease_epoch == epoch,
                                                          jobs.c.job_wanted).values(lease_expires=_from_now(-1)))

    def fence(self, run_id: str, epoch: int) -> None:
        self._fences[run_id] = epoch

    def unfence(self, run_id: str) -> None:
        self._fences.pop(run_id, None)

    # --- the event log's AppendGuard ------------------------------------------------------------

    def check(self, db: Connection, run_id: str, events: list[Event]) -> None:
        if (fence := self._fences.get(run_id)) is None:
            return
        held = db.execute(select(jobs.c.lease_epoch).where(jobs.c.run_id == run_id).with_for_update()).scalar()
        if held != fence:
            raise LeaseLost(run_id)
        if _ends(events):  # the segment's end and the job's end are one fact: never is one seen without the other
            db.execute(update(jobs).where(jobs.c.run_id == run_id, jobs.c.lease_epoch == fence).values(_RELEASED))

    def committed(self, run_id: str, events: list[Event]) -> None:
        if _ends(events):
            self._fences.pop(run_id, None)
