"""Runs as background tasks that belong to no page or socket: start, observe, recover after a stop."""

import asyncio
import logging
import uuid
from collections.abc import Awaitable, Callable

from .brief import clean_brief
from .bus import Bus
from .errors import UNKNOWN
from .events import (
    INTERRUPTED,
    MESSAGE_DISCARDED,
    Event,
    RunErrorEvent,
    RunFinishedCancelledOutcome,
    RunFinishedEvent,
    TextMessageEndEvent,
    custom,
    now_ms,
)
from .fold import RunView, fold
from .store import Store

log = logging.getLogger("botarmy.runs")

Emit = Callable[..., Awaitable[object]]
# pipeline(run_id, brief, emit, prior): `prior` is the run folded so far (a fresh view for a new run); a resumed
# run keeps the artifacts it has and continues from the first agent without one.
Pipeline = Callable[[str, str, Emit, RunView], Awaitable[None]]

INTERRUPTED_MESSAGE = "The server stopped while this run was in progress."
RESUMABLE = frozenset({"interrupted", "failed", "cancelled"})


class RunService:
    def __init__(self, store: Store, bus: Bus, pipeline: Pipeline, max_brief_chars: int) -> None:
        self.store, self.bus, self.pipeline = store, bus, pipeline
        self.max_brief_chars = max_brief_chars
        self._tasks: dict[str, asyncio.Task] = {}
        self._cancelled: set[str] = set()
        self._born_ms = now_ms()

    @property
    def active_runs(self) -> int:
        return len(self._tasks)

    async def start(self, brief: str) -> str:
        """Validate the brief (BriefError carries the user's message) and start the run in the background."""
        brief = clean_brief(brief, self.max_brief_chars)
        run_id = uuid.uuid4().hex
        await self.store.create_run(run_id, brief)
        self._launch(run_id, brief, RunView(run_id=run_id))
        return run_id

    async def resume(self, run_id: str) -> bool:
        """Continue an interrupted, failed or cancelled run from its first unfinished agent."""
        view = await self.view(run_id)
        if view is None or view.status not in RESUMABLE or run_id in self._tasks:
            return False
        self._launch(run_id, view.brief, view)
        return True

    def _launch(self, run_id: str, brief: str, prior: RunView) -> None:
        task = asyncio.create_task(self._execute(run_id, brief, prior), name=f"run-{run_id}")
        self._tasks[run_id] = task
        task.add_done_callback(lambda _: self._tasks.pop(run_id, None))

    def cancel(self, run_id: str) -> bool:
        """Stop a running run at once (its LLM stream closes with it); False when it is not running here."""
        task = self._tasks.get(run_id)
        if task is None:
            return False
        self._cancelled.add(run_id)
        task.cancel()
        return True

    async def _execute(self, run_id: str, brief: str, prior: RunView) -> None:
        async def emit(*events: Event):
            return await self.bus.emit(run_id, *events)

        try:
            await self.pipeline(run_id, brief, emit, prior)
        except asyncio.CancelledError:
            if run_id in self._cancelled:
                self._cancelled.discard(run_id)
                await self._close_out(run_id, RunFinishedEvent(
                    thread_id=run_id, run_id=run_id, outcome=RunFinishedCancelledOutcome()))
            else:
                await self._close_out(run_id, RunErrorEvent(message=INTERRUPTED_MESSAGE, code=INTERRUPTED))
            raise
        except Exception:
            log.exception("run %s crashed", run_id)
            await emit(RunErrorEvent(message=UNKNOWN, code="internal"))

    async def view(self, run_id: str) -> RunView | None:
        if await self.store.get_run(run_id) is None:
            return None
        return fold(run_id, await self.store.read(run_id))

    async def recover(self) -> None:
        """Close the runs an earlier server process left running: its stop cut them short."""
        for row in await self.store.runs_with_status("running"):
            if row.created_ms < self._born_ms:
                await self._close_out(row.run_id, RunErrorEvent(message=INTERRUPTED_MESSAGE, code=INTERRUPTED))

    async def _close_out(self, run_id: str, ending: Event) -> None:
        """End a run cut short: half-written answers are voided first, so no view keeps a fragment."""
        voided: list[Event] = []
        for message in (await self.view(run_id)).messages:
            if not message.complete:
                voided += [TextMessageEndEvent(message_id=message.message_id),
                           custom(MESSAGE_DISCARDED, {"agent": message.agent, "message_id": message.message_id,
                                                      "reason": INTERRUPTED})]
        await self.bus.emit(run_id, *voided, ending)

    async def shutdown(self) -> None:
        """Stop every run; each records that it was interrupted before the store closes."""
        tasks = list(self._tasks.values())
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
