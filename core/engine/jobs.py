"""The Runner of a web instance when runs are worked by workers (`python main.py web`): launching a run queues it as
a job in PostgreSQL and wakes the workers through Redis; a signal is recorded on the job and published, so the worker
holding the run hears it at once, or at its next lease renewal if Redis lost it."""

from core.eventlog.bus import Bus
from core.eventlog.redis_fanout import PREFIX, RedisHub
from core.domain.view import RunView
from core.storage.job_board import JobBoard

from .closing import cancelled, close_out
from .queries import RunQueries
from .signals import Signal

JOBS_CHANNEL = f"{PREFIX}:jobs"  # a wake-up: some run wants a worker
SIGNALS = f"{PREFIX}:signal:"  # + run id: a command for the worker that holds the run


class JobRunner:
    def __init__(self, board: JobBoard, hub: RedisHub, bus: Bus, queries: RunQueries, held_s: float = 10) -> None:
        self.board, self.hub, self.bus, self.queries = board, hub, bus, queries
        self.held_s = held_s  # a held job goes to the workers after this long even if its launch never comes
        self._counts = (0, 0)  # (held by a worker, waiting for one), as last read

    @property
    def active_runs(self) -> int:
        return self._counts[0]

    @property
    def queued_runs(self) -> int:
        return self._counts[1]

    async def counts(self) -> tuple[int, int]:
        """Every instance's runs: held by a worker, and waiting for one."""
        self._counts = await self.board.job_counts()
        return self._counts

    async def working(self, run_id: str) -> bool:
        return await self.board.job_wanted(run_id)

    async def working_for(self, owner: str) -> int:
        return await self.board.jobs_of(owner)

    async def hold(self, run_id: str) -> None:
        await self.board.enqueue(run_id, held_s=self.held_s)

    async def launch(self, run_id: str, view: RunView, owner: str) -> None:
        await self.board.enqueue(run_id)
        await self.hub.publish(JOBS_CHANNEL, run_id)

    async def signal(self, run_id: str, signal: Signal) -> bool:
        if signal == Signal.CANCEL and await self.board.dequeue_unclaimed(run_id):
            await close_out(self.bus, self.queries, run_id, cancelled(run_id))  # no worker had it yet
            return True
        if not await self.board.add_signal(run_id, signal):
            return False
        await self.hub.publish(SIGNALS + run_id, signal)
        return True

    async def stop(self, run_id: str) -> None:
        await self.signal(run_id, Signal.CANCEL)

    async def recover(self) -> None:
        """Nothing to do: a run whose worker died is taken over by another when its lease expires."""

    async def shutdown(self) -> None:
        """Nothing to do: runs live on in the workers."""
