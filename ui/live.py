"""One live run per run, shared by all its tabs: one bus subscription, one per-frame flusher, and the process's one
view of the run (core.engine.views), which the executor and the commands share.

The flusher renders on the leading edge (an event after a quiet spell shows at once) and then at most once per
FLUSH_INTERVAL, a frame of a 60 Hz display: a tab never gets more updates than it can paint, and never waits for a
fixed tick. Events that arrive together (a group commit hands them over together) are folded before one render.
With many tabs watching runs that stream, the frames spread out so that the process's tabs get at most
TAB_UPDATES_PER_S updates a second in all: an update costs the server about the same however many tokens it
carries (measured, 10 runs and 50 socket viewers: two thirds of the process's CPU were rendering and sending
updates, most of it per message), so a busy process sends fewer, fuller updates instead of falling behind its runs.

What a flush changes beyond the streamed text (the timeline, the revisions and their diff, the artifacts, the tests)
is drawn `later`: one tab at a time, each in a turn of the event loop of its own. When the runs of a process reach
an agent's end together, every tab of theirs redraws those parts at once; drawn in the flush, that held every run's
next tokens back for a second at 100 viewers (bench/RESULTS.md), drawn later it waits for them instead.
"""

import asyncio
import logging
import math
from collections.abc import Callable

from nicegui import background_tasks

from core.domain.view import RunView
from core.engine.queries import RunQueries
from core.trace import TRACE, Stage


log = logging.getLogger("botarmy.ui")

FLUSH_INTERVAL = 1 / 60
TAB_UPDATES_PER_S = 1500
STREAMING_S = 1.0  # a run that flushed within this long counts as streaming
RECOUNT_S = 0.1  # the tabs of streaming runs are counted again at most this often, not at every flush of every run

Listener = Callable[[RunView], None]


class Later:
    """Drawings that can wait for the streamed text, each at most once in the queue: asked again before its turn,
    it keeps its place and draws what is current then."""

    def __init__(self) -> None:
        self._due: dict[Callable[[], None], None] = {}  # in order of asking
        self._drawing: asyncio.Task | None = None

    def __call__(self, draw: Callable[[], None]) -> None:
        self._due[draw] = None
        if self._drawing is None:
            self._drawing = background_tasks.create(self._draw(), name="draw later")

    def discard(self, draw: Callable[[], None]) -> None:
        """What a closed tab asked for."""
        self._due.pop(draw, None)

    async def _draw(self) -> None:
        try:
            while self._due:
                draw = next(iter(self._due))
                del self._due[draw]
                try:
                    draw()
                except Exception:  # noqa: BLE001 - one broken tab must not stop the others
                    log.exception("a deferred drawing failed")
                await asyncio.sleep(0)  # the flushes and reads that came meanwhile go first
        finally:
            self._drawing = None


class LiveRun:
    def __init__(self, view: RunView, queries: RunQueries, interval: Callable[[], float] = lambda: FLUSH_INTERVAL
                 ) -> None:
        """`interval`: the time between flushes now."""
        self.view = view
        self.queries = queries
        self.listeners: set[Listener] = set()
        self.interval = interval
        self.last_flush = -math.inf
        # The flush that is due; None when all is shown.
        self._pending: asyncio.Handle | None = None
        self._follower = background_tasks.create(self._follow(), name=f"follow-{view.run_id}")

    async def _follow(self) -> None:
        async for item in self.queries.follow(self.view.run_id, self.view.last_seq):
            if TRACE.on:
                TRACE.note(Stage.FANNED_OUT, f"{item.run_id}|{item.seq}")
            self.queries.views.take(item.run_id, (item,))  # a no-op for what this process folded as it persisted it
            if self._pending is None:
                self._schedule()

    def _schedule(self) -> None:
        loop = asyncio.get_running_loop()
        wait = self.last_flush + self.interval() - loop.time()
        # Even on the leading edge the flush comes after this task's turn: what is already queued gets folded first.
        self._pending = loop.call_later(wait, self._flush) if wait > 0 else loop.call_soon(self._flush)

    def _flush(self) -> None:
        self._pending = None
        self.last_flush = asyncio.get_running_loop().time()
        for listener in tuple(self.listeners):
            try:
                listener(self.view)
            except Exception:  # noqa: BLE001 - one broken tab must not stop the others
                log.exception("a view of run %s failed to render", self.view.run_id)
        if TRACE.on:
            TRACE.note(Stage.HANDED, f"{self.view.run_id}|{self.view.last_seq}")

    def stop(self) -> None:
        self._follower.cancel()
        if self._pending is not None:
            self._pending.cancel()


class LiveRuns:
    """Keeps a LiveRun while at least one tab watches it; `later` draws what can wait, for all of them."""

    def __init__(self, queries: RunQueries) -> None:
        self.queries = queries
        self.later = Later()
        self._live: dict[str, LiveRun] = {}
        self._interval, self._counted_at = FLUSH_INTERVAL, -math.inf

    async def attach(self, run_id: str, listener: Listener) -> RunView | None:
        """Start calling `listener` with the run's view on every flush; returns the current view (None: no run)."""
        live = self._live.get(run_id)
        if live is None:
            view = await self.queries.view(run_id)
            if view is None:
                return None
            live = self._live.get(run_id)  # another tab may have attached while the log was read
            if live is None:
                live = self._live[run_id] = LiveRun(view, self.queries, self.interval)
        live.listeners.add(listener)
        return live.view

    def interval(self) -> float:
        """A frame, or longer when the tabs of the runs streaming now would get more than TAB_UPDATES_PER_S updates
        a second from frames."""
        now = asyncio.get_running_loop().time()
        if now - self._counted_at >= RECOUNT_S:
            tabs = sum(len(live.listeners) for live in self._live.values() if now - live.last_flush < STREAMING_S)
            self._interval, self._counted_at = max(FLUSH_INTERVAL, tabs / TAB_UPDATES_PER_S), now
        return self._interval

    def detach(self, run_id: str, listener: Listener) -> None:
        live = self._live.get(run_id)
        if live is None:
            return
        live.listeners.discard(listener)
        if not live.listeners:
            live.stop()
            del self._live[run_id]
