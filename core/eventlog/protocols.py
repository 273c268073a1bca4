"""The event log's interfaces, with the embedded default and the scaled implementation beside each other:

- EventStore: the durable log and the run rows (core.eventlog.sqlite_store, or core.eventlog.pg_store);
- Fanout: how a persisted event reaches the subscribers of its run (in this process: core.eventlog.bus.LocalFanout;
  in every process: core.eventlog.redis_fanout.RedisEventFanout);
- JobBoard: runs as jobs with leases, for workers (core.eventlog.pg_store only: one process needs none).
"""

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from core.domain.events import Event, StoredEvent
from core.domain.fold import SummaryChange
from core.domain.status import RunStatus

from .rows import RunPage, RunRow


class LeaseLost(Exception):
    """An append or a renewal by a worker whose lease on the run was taken over (or whose run was deleted): the
    worker stops working the run and writes nothing more to it."""

    def __init__(self, run_id: str) -> None:
        super().__init__(f"the lease on run {run_id} is no longer this worker's")
        self.run_id = run_id


class EventStore(Protocol):
    dialect: str  # "sqlite" or "postgresql": which SQL the users' tables are written in

    def open(self) -> None: ...

    async def close(self) -> None: ...

    def add_tables(self, schema: str) -> None: ...

    async def in_writer(self, fn: Callable[..., Any], *args) -> Any: ...

    async def in_reader(self, fn: Callable[..., Any], *args) -> Any: ...

    async def create_run(self, run_id: str, brief: str, owner: str, thread_id: str | None = None) -> bool: ...

    async def adopt_unowned_runs(self, owner: str) -> int: ...

    async def append(self, run_id: str, events: list[Event],
                     change: SummaryChange | None = None) -> list[StoredEvent]: ...

    async def rename_run(self, run_id: str, title: str) -> bool: ...

    async def delete_run(self, run_id: str) -> bool: ...

    async def check_writable(self) -> bool: ...

    async def read(self, run_id: str, after_seq: int = 0) -> list[StoredEvent]: ...

    async def get_run(self, run_id: str) -> RunRow | None: ...

    async def run_of_thread(self, owner: str, thread_id: str) -> RunRow | None: ...

    async def list_runs(self, owner: str, limit: int = 50, offset: int = 0, *, status: RunStatus | None = None,
                        search: str | None = None) -> RunPage: ...

    async def runs_with_status(self, status: RunStatus) -> list[RunRow]: ...


class FanoutTarget(Protocol):
    """What a fan-out delivers to: the bus of its process."""

    def deliver(self, run_id: str, stored: Sequence[StoredEvent], emitted_at: float) -> None: ...

    def lagged(self) -> None: ...


class Fanout(Protocol):
    # A subscriber that heard nothing live for this many seconds re-reads the store, in case a message was lost on
    # the way (None: delivery cannot lose one).
    resync_s: float | None

    def attach(self, target: FanoutTarget) -> None: ...

    async def publish(self, run_id: str, stored: Sequence[StoredEvent], emitted_at: float) -> None: ...

    async def watch(self, run_id: str) -> None:
        """This process has a subscriber of the run now; returns once events published from now on will arrive."""

    def unwatch(self, run_id: str) -> None: ...


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

    async def enqueue(self, run_id: str, held_s: float = 0) -> None: ...

    async def dequeue_unclaimed(self, run_id: str) -> bool: ...

    async def job_wanted(self, run_id: str) -> bool: ...

    async def jobs_of(self, owner: str) -> int: ...

    async def job_counts(self) -> tuple[int, int]: ...

    async def add_signal(self, run_id: str, signal: str) -> bool: ...

    async def claim(self, worker: str, lease_s: float, limit: int) -> list[Claim]: ...

    async def renew(self, worker: str, held: dict[str, int], lease_s: float) -> dict[str, tuple[str, ...]]: ...

    async def hand_over(self, run_id: str, epoch: int) -> None: ...

    def fence(self, run_id: str, epoch: int) -> None: ...

    def unfence(self, run_id: str) -> None: ...

    def control_lock(self, key: str): ...
