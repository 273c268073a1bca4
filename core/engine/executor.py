"""Runs worked in this process, as background tasks that belong to no page or socket: the embedded deployment's
Runner, and what a worker (core.engine.worker) uses for the runs it holds.

At most `limit` runs work at once; the others wait in a queue and are told their place in it. Signals reach a run's
task here (`signal`): cancel stops it now, pause at its next safe point.
"""

import asyncio
import logging
from collections.abc import Callable

from core.domain.custom import RunQueued, custom
from core.domain.events import RunErrorEvent, now_ms
from core.domain.status import ErrorCode, RunStatus
from core.domain.view import RunView
from core.eventlog.bus import Bus
from core.obs.logs import bind_log_context
from core.storage.job_board import LeaseLost

from .closing import cancelled, close_out, interrupted
from .context import Orchestrator, RunContext
from .emitter import emitter
from .queries import RunQueries
from .run_queue import RunQueue
from .signals import Signal

log = logging.getLogger("botarmy.runs")

CRASHED_MESSAGE = "Something went wrong inside BotArmy; the details are in the server log."
CANCEL_AGAIN_S = 2.0  # how long a cancelled task may go without taking its cancellation before it is sent again


class Executor:
    def __init__(self, bus: Bus, queries: RunQueries, pipeline: Orchestrator, limit: int) -> None:
        self.bus, self.queries, self.pipeline = bus, queries, pipeline
        self.queue = RunQueue(limit)
        self._tasks: dict[str, asyncio.Task] = {}
        self._owners: dict[str, str] = {}  # owner of each run that has a task
        self._cancelled: set[str] = set()
        self._heard: set[str] = set()  # cancelled runs whose task took the cancellation and is closing the run
        self._insisting: set[asyncio.Task] = set()  # kept, so none is collected
        self._pausing: set[str] = set()
        self._abandoned: set[str] = set()  # stopped without a word: the run is not this process's any more
        self._born_ms = now_ms()
        self.ended: Callable[[str], None] | None = None  # called when a run's task is over

    @property
    def active_runs(self) -> int:
        return len(self._tasks)

    @property
    def queued_runs(self) -> int:
        return len(self.queue.waiting)

    async def counts(self) -> tuple[int, int]:
        return self.active_runs, self.queued_runs

    async def working(self, run_id: str) -> bool:
        return run_id in self._tasks

    async def working_for(self, owner: str) -> int:
        return sum(1 for runs_owner in self._owners.values() if runs_owner == owner)

    async def signal(self, run_id: str, signal: Signal) -> bool:
        """Deliver a signal to the run's task; False when the run has none here."""
        if run_id not in self._tasks:
            return False
        match signal:
            case Signal.CANCEL:
                self._cancel(run_id)
            case Signal.PAUSE:
                self._pausing.add(run_id)
        return True

    def _cancel(self, run_id: str) -> None:
        self._cancelled.add(run_id)
        task = self._tasks[run_id]
        task.cancel()
        insisting = asyncio.get_running_loop().create_task(self._until_heard(run_id, task))
        self._insisting.add(insisting)
        insisting.add_done_callback(self._insisting.discard)

    async def _until_heard(self, run_id: str, task: asyncio.Task) -> None:
        """Cancel again until the task takes it: a library on the way may swallow a cancellation (one went unheard
        for minutes in a scaled deployment, the run streaming on), and cancel must stop the run. Never once the task
        is closing the run, which a second cancellation would cut short."""
        while True:
            await asyncio.wait({task}, timeout=CANCEL_AGAIN_S)
            if task.done() or run_id in self._heard:
                return
            log.warning("the run's task did not take its cancellation; cancelling it again")
            task.cancel()

    async def stop(self, run_id: str) -> None:
        """Cancel the run's task, if any, and wait until it has recorded that it was cancelled."""
        if (task := self._tasks.get(run_id)) is not None:
            self._cancel(run_id)
            await asyncio.gather(task, return_exceptions=True)

    def abandon(self, run_id: str) -> None:
        """Stop the run's task without writing anything more to its log: another worker owns it now."""
        if (task := self._tasks.get(run_id)) is not None:
            self._abandoned.add(run_id)
            task.cancel()

    async def hold(self, run_id: str) -> None:
        pass  # in one process, dying with the run is what recover() closes

    async def launch(self, run_id: str, view: RunView, owner: str) -> None:
        task = asyncio.create_task(self._execute(run_id, view), name=f"run-{run_id}")
        self._tasks[run_id], self._owners[run_id] = task, owner

        def ended(_: asyncio.Task) -> None:
            self._tasks.pop(run_id, None)
            self._owners.pop(run_id, None)
            if self.ended is not None:
                self.ended(run_id)

        task.add_done_callback(ended)

    async def _execute(self, run_id: str, view: RunView) -> None:
        bind_log_context(run_id=run_id)  # this task's own context: every line it logs names the run

        emit = emitter(self.bus, self.queries.views, view)

        async def queued(position: int) -> None:
            await emit(custom(RunQueued(position=position)))

        context = RunContext(run_id, view.brief, view, emit, lambda: run_id in self._pausing)
        try:
            async with self.queue.turn(run_id, queued):
                log.info("run starts working")
                await self.pipeline(context)
        except asyncio.CancelledError:
            self._heard.add(run_id)
            if run_id in self._abandoned:
                raise
            await close_out(self.bus, self.queries, run_id,
                            cancelled(run_id) if run_id in self._cancelled else interrupted())
            raise
        except LeaseLost:
            log.warning("run stops: another worker holds it now")
        except Exception:
            log.exception("run %s crashed", run_id)
            await close_out(self.bus, self.queries, run_id,
                            RunErrorEvent(message=CRASHED_MESSAGE, code=ErrorCode.INTERNAL))
        finally:
            log.info("run stops working")
            self._cancelled.discard(run_id)
            self._heard.discard(run_id)
            self._pausing.discard(run_id)
            self._abandoned.discard(run_id)

    async def recover(self) -> None:
        """Close the runs an earlier server process left running: its stop cut them short."""
        for row in await self.queries.with_status(RunStatus.RUNNING):
            if row.created_ms < self._born_ms:
                await close_out(self.bus, self.queries, row.run_id, interrupted())

    async def shutdown(self) -> None:
        """Stop every run; each records that it was interrupted before the store closes."""
        tasks = list(self._tasks.values())
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
