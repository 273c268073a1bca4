"""Runs as jobs with leases, for workers when scaled out (core.storage.sql.pg_job_board; one process needs none)."""

from dataclasses import dataclass
from typing import Protocol


class LeaseLost(Exception):
    """An append or a renewal by a worker whose lease on the run was taken over (or whose run was deleted): the
    worker stops working the run and writes nothing more to it."""

    def __init__(self, run_id: str) -> None:
        super().__init__(f"the lease on run {run_id} is no longer this worker's")
        self.run_id = run_id


@dataclass(frozen=True)
class Claim:
    """A run a worker now holds: `epoch` fences its appends; `taken_over` when another worker held it before (its
    half-written answer, if any, must be voided)."""

    run_id: str
    epoch: int
    owner: str
    taken_over: bool
    signals: tuple[str, ...]


class JobBoard(Protocol):
    """Runs that want a worker, and the leases of the workers that hold them."""

    async def enqueue(self, run_id: str, held_s: float = 0) -> None:
        """The run wants a worker: any worker may claim it now, or, with `held_s`, once that time has passed without
        another enqueue."""

    async def dequeue_unclaimed(self, run_id: str) -> bool:
        """Take back a job that no worker holds yet; False when one does."""

    async def job_wanted(self, run_id: str) -> bool: ...

    async def jobs_of(self, owner: str) -> int: ...

    async def job_counts(self) -> tuple[int, int]:
        """(runs held by a worker, runs waiting for one)."""

    async def add_signal(self, run_id: str, signal: str) -> bool:
        """Record a command for whichever worker works the run; False when the run is no job."""

    async def claim(self, worker: str, lease_s: float, limit: int) -> list[Claim]:
        """Up to `limit` runs that want a worker and have none (never had one, or its lease expired), oldest first."""

    async def renew(self, worker: str, held: dict[str, int], lease_s: float) -> dict[str, tuple[str, ...]]:
        """Extend the leases still this worker's; returns them with their recorded signals. A run left out was
        lost (taken over, ended, or deleted)."""

    async def hand_over(self, run_id: str, epoch: int) -> None:
        """Let another worker take the run over at once."""

    def fence(self, run_id: str, epoch: int) -> None:
        """From now on this process's appends to the run succeed only while the run's lease epoch is `epoch`; the
        append that ends the run's segment also ends its job."""

    def unfence(self, run_id: str) -> None: ...
