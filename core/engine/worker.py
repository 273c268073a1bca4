"""`python main.py worker`: claims runs that want a worker, works them with an Executor, and keeps their leases.

A claim takes a run's job with FOR UPDATE SKIP LOCKED and starts a lease (core.storage.sql.pg_job_board); the worker
renews it every quarter of its length while it works. A worker killed with `kill -9` renews nothing: its lease
expires, and another worker claims the run, voids the half-written answer and carries on from the log. A worker that
lost a lease stops the run's task without writing (and could not write: every append checks the lease epoch). A
worker stopped with SIGTERM hands its runs over at once instead of waiting for their leases to expire.
"""

import asyncio
import logging
import uuid

from core.domain.status import ErrorCode, RunStatus
from core.eventlog.redis_fanout import RedisHub
from core.storage.job_board import Claim, JobBoard, LeaseLost

from .closing import TAKEN_OVER_MESSAGE, cancelled, close_out, unfinished
from .emitter import emitter
from .executor import Executor
from .jobs import JOBS_CHANNEL, SIGNALS
from .signals import Signal

log = logging.getLogger("botarmy.worker")

POLL_S = 1.0  # claims are also tried this often without a wake-up: Redis may be down, a lease may have expired


class Worker:
    def __init__(self, board: JobBoard, hub: RedisHub, executor: Executor, *, capacity: int, lease_s: float) -> None:
        self.board, self.hub, self.executor = board, hub, executor
        self.capacity, self.lease_s = capacity, lease_s
        self.name = f"worker-{uuid.uuid4().hex[:8]}"
        self.held: dict[str, int] = {}  # run id -> lease epoch
        self._delivered: dict[str, set[str]] = {}  # the signals each held run has been given
        self._wake = asyncio.Event()
        self._loops: list[asyncio.Task] = []
        self._chores: set[asyncio.Task] = set()  # hand-overs and signals under way (kept, so none is collected)
        executor.ended = self._ended

    @property
    def active_runs(self) -> int:
        return len(self.held)

    async def start(self) -> None:
        await self.hub.listen(JOBS_CHANNEL, lambda channel, data: self._wake.set())
        await self.hub.listen_pattern(SIGNALS + "*", self._signalled)
        self._loops = [asyncio.create_task(self._claim_loop(), name="claim"),
                       asyncio.create_task(self._renew_loop(), name="renew")]
        log.info("%s takes runs (up to %d at once, leases of %g s)", self.name, self.capacity, self.lease_s)

    async def _claim_loop(self) -> None:
        while True:
            self._wake.clear()
            free = self.capacity - len(self.held)
            claims: list[Claim] = []
            if free > 0:
                try:
                    claims = await self.board.claim(self.name, self.lease_s, free)
                except Exception:  # noqa: BLE001 - the database may be restarting: try again soon
                    log.exception("claiming runs failed")
            for claim in claims:
                await self._take(claim)
            if not claims:
                try:
                    await asyncio.wait_for(self._wake.wait(), POLL_S)
                except asyncio.TimeoutError:
                    pass

    async def _take(self, claim: Claim) -> None:
        run_id = claim.run_id
        self.board.fence(run_id, claim.epoch)
        self.held[run_id], self._delivered[run_id] = claim.epoch, set()
        log.info("%s holds run %s (lease epoch %d%s)", self.name, run_id, claim.epoch,
                 ", taken over" if claim.taken_over else "")
        executor = self.executor
        try:
            view = await executor.queries.view(run_id)
            if view is None or Signal.CANCEL in claim.signals:
                if view is not None:  # cancelled while it waited for a worker
                    await close_out(executor.bus, executor.queries, run_id, cancelled(run_id))
                self._release(run_id)
                return
            if claim.taken_over and view.status == RunStatus.RUNNING:
                # The previous worker stopped mid-segment: its half-written answer is voided, as after a restart,
                # and the segment goes on with the first agent that has no artifact.
                emit = emitter(executor.bus, executor.queries.views, view)
                await emit(*unfinished(view, TAKEN_OVER_MESSAGE, ErrorCode.INTERRUPTED))
            await executor.launch(run_id, view, claim.owner)
            await self._deliver(run_id, claim.signals)
        except LeaseLost:
            self._release(run_id)
        except Exception:  # noqa: BLE001 - another worker (or this one) tries again once the lease is handed over
            log.exception("starting run %s failed", run_id)
            await self._hand_over(run_id)

    def _release(self, run_id: str) -> None:
        self.held.pop(run_id, None)
        self._delivered.pop(run_id, None)
        self.board.unfence(run_id)
        self._wake.set()  # a slot is free

    async def _hand_over(self, run_id: str) -> None:
        if (epoch := self.held.get(run_id)) is not None:
            self._release(run_id)
            try:
                await self.board.hand_over(run_id, epoch)
            except Exception:  # noqa: BLE001 - then the lease simply expires
                log.exception("handing run %s over failed", run_id)

    def _ended(self, run_id: str) -> None:
        """The run's task is over. If its segment ended, its job ended with the same append; if not (it crashed
        without a word, or was stopped), it is handed over so another worker carries it on."""
        self._chore(self._hand_over(run_id))

    async def _renew_loop(self) -> None:
        while True:
            await asyncio.sleep(self.lease_s / 4)
            held = dict(self.held)
            try:
                renewed = await self.board.renew(self.name, held, self.lease_s)
            except Exception:  # noqa: BLE001 - the database may be restarting; fencing keeps the log safe meanwhile
                log.exception("renewing leases failed")
                continue
            for run_id, epoch in held.items():
                if run_id not in renewed and self.held.get(run_id) == epoch:
                    log.warning("%s lost its lease on run %s", self.name, run_id)
                    self.executor.abandon(run_id)
            for run_id, signals in renewed.items():
                await self._deliver(run_id, signals)

    def _signalled(self, channel: str, data: bytes) -> None:
        run_id = channel.removeprefix(SIGNALS)
        if run_id in self.held:
            self._chore(self._deliver(run_id, (data.decode(),)))

    def _chore(self, work) -> None:
        task = asyncio.get_running_loop().create_task(work)
        self._chores.add(task)
        task.add_done_callback(self._chores.discard)

    async def _deliver(self, run_id: str, signals: tuple[str, ...]) -> None:
        """Give the run's task each signal once, whether it came over Redis or with the lease (as its name)."""
        for name in signals:
            delivered = self._delivered.get(run_id)
            if delivered is None or name in delivered:
                continue
            try:
                signal = Signal(name)
            except ValueError:  # from a newer version of BotArmy, say: nothing here handles it
                log.warning("run %s: unknown signal %r ignored", run_id, name)
                delivered.add(name)
                continue
            # Marked only once the task took it: a signal that came before the task started comes again with the
            # next renewal.
            if await self.executor.signal(run_id, signal):
                delivered.add(name)

    async def shutdown(self) -> None:
        """Stop taking runs, stop the held ones without a word, and hand them over to the other workers at once."""
        for loop in self._loops:
            loop.cancel()
        await asyncio.gather(*self._loops, return_exceptions=True)
        held = dict(self.held)
        for run_id in held:
            self.executor.abandon(run_id)
        await self.executor.shutdown()
        for run_id, epoch in held.items():
            try:
                await self.board.hand_over(run_id, epoch)
            except Exception:  # noqa: BLE001 - then the lease simply expires
                log.exception("handing run %s over failed", run_id)
