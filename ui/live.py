"""One live view per run, shared by all its tabs: one bus subscription, one fold, one coalescing flusher.

The flusher renders on the leading edge (a token after a quiet spell shows at once) and then at most every
FLUSH_INTERVAL, so the message rate per tab stays bounded whatever the token rate.
"""

import asyncio
import logging
from collections.abc import Callable

from nicegui import background_tasks

from core.domain.fold import apply
from core.domain.view import RunView
from core.engine.queries import RunQueries
from core.trace import TRACE, Stage

from .markdown import prerender

log = logging.getLogger("botarmy.ui")

FLUSH_INTERVAL = 0.1

Listener = Callable[[RunView], None]


class LiveRun:
    def __init__(self, view: RunView, queries: RunQueries) -> None:
        self.view = view
        self.queries = queries
        self.listeners: set[Listener] = set()
        self._dirty = asyncio.Event()
        self._prerendered: set[str] = set()
        self._tasks = [
            background_tasks.create(self._follow(), name=f"follow-{view.run_id}"),
            background_tasks.create(self._flush(), name=f"flush-{view.run_id}"),
        ]

    async def _follow(self) -> None:
        async for item in self.queries.follow(self.view.run_id, self.view.last_seq):
            if TRACE.on:
                TRACE.note(Stage.FANNED_OUT, f"{item.run_id}|{item.seq}")
            apply(self.view, item)
            self._dirty.set()

    async def _flush(self) -> None:
        while True:
            await self._dirty.wait()
            self._dirty.clear()
            await self._prerender_completed()
            for listener in tuple(self.listeners):
                try:
                    listener(self.view)
                except Exception:  # noqa: BLE001 - one broken tab must not stop the others
                    log.exception("a view of run %s failed to render", self.view.run_id)
            if TRACE.on:
                TRACE.note(Stage.HANDED, f"{self.view.run_id}|{self.view.last_seq}")
            await asyncio.sleep(FLUSH_INTERVAL)

    async def _prerender_completed(self) -> None:
        """Render newly completed answers in a worker thread, once per run: every tab's markdown then comes from
        the render cache instead of the event loop parsing a long answer while other runs stream."""
        for message in self.view.messages:
            if message.complete and message.message_id not in self._prerendered:
                self._prerendered.add(message.message_id)
                await asyncio.to_thread(prerender, message.text)

    def stop(self) -> None:
        for task in self._tasks:
            task.cancel()


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
