"""One live run per run, shared by all its tabs: one bus subscription, one per-frame flusher, and the process's one
view of the run (core.engine.views), which the executor and the commands share.

The flusher renders on the leading edge (an event after a quiet spell shows at once) and then at most once per
FLUSH_INTERVAL, a frame of a 60 Hz display: a tab never gets more updates than it can paint, and never waits for a
fixed tick. Events that arrive together (a group commit hands them over together) are folded before one render.
"""

import asyncio
import logging
import math
from collections.abc import Callable

from nicegui import background_tasks

from core.domain.view import RunView
from core.engine.queries import RunQueries
from core.trace import TRACE, Stage

from .markdown import prerender

log = logging.getLogger("botarmy.ui")

FLUSH_INTERVAL = 1 / 60

Listener = Callable[[RunView], None]


class LiveRun:
    def __init__(self, view: RunView, queries: RunQueries) -> None:
        self.view = view
        self.queries = queries
        self.listeners: set[Listener] = set()
        self._prerendered: set[str] = set()
        self._last_flush = -math.inf
        # The flush that is due (a timer) or the prerendering a flush waits for (a task); None when all is shown.
        self._pending: asyncio.TimerHandle | asyncio.Task | None = None
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
        wait = self._last_flush + FLUSH_INTERVAL - loop.time()
        # Even on the leading edge the flush comes after this task's turn: what is already queued gets folded first.
        self._pending = loop.call_later(wait, self._flush) if wait > 0 else loop.call_soon(self._flush)

    def _flush(self) -> None:
        completed = [message.text for message in self.view.messages
                     if message.complete and message.message_id not in self._prerendered]
        if completed:
            self._prerendered.update(m.message_id for m in self.view.messages if m.complete)
            self._pending = background_tasks.create(self._prerender(completed), name=f"prerender-{self.view.run_id}")
            return
        self._pending = None
        self._last_flush = asyncio.get_running_loop().time()
        for listener in tuple(self.listeners):
            try:
                listener(self.view)
            except Exception:  # noqa: BLE001 - one broken tab must not stop the others
                log.exception("a view of run %s failed to render", self.view.run_id)
        if TRACE.on:
            TRACE.note(Stage.HANDED, f"{self.view.run_id}|{self.view.last_seq}")

    async def _prerender(self, texts: list[str]) -> None:
        """Render newly completed answers in a worker thread, once per run, before the flush that shows them: every
        tab's markdown then comes from the render cache instead of the event loop parsing a long answer while other
        runs stream."""
        try:
            for text in texts:
                await prerender(text)
        finally:
            self._flush()

    def stop(self) -> None:
        self._follower.cancel()
        if self._pending is not None:
            self._pending.cancel()


class LiveRuns:
    """Keeps a LiveRun while at least one tab watches it."""

    def __init__(self, queries: RunQueries) -> None:
        self.queries = queries
        self._live: dict[str, LiveRun] = {}

    async def attach(self, run_id: str, listener: Listener) -> RunView | None:
        """Start calling `listener` with the run's view on every flush; returns the current view (None: no run)."""
        live = self._live.get(run_id)
        if live is None:
            view = await self.queries.view(run_id)
            if view is None:
                return None
            live = self._live.get(run_id)  # another tab may have attached while the log was read
            if live is None:
                live = self._live[run_id] = LiveRun(view, self.queries)
        live.listeners.add(listener)
        return live.view

    def detach(self, run_id: str, listener: Listener) -> None:
        live = self._live.get(run_id)
        if live is None:
            return
        live.listeners.discard(listener)
        if not live.listeners:
            live.stop()
            del self._live[run_id]
