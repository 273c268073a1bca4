"""This process's current view of each run it holds: one view per run, shared by the executor, the live pages and
the commands, so an event is folded once per process however many of them look at the run.

A view is kept current by sequence number. Events persisted through this process's bus are folded as they are
handed over (`take`, the bus's tap), in order: one past a gap waits for the log. Whoever needs the view current
(a command under its lock, the executor after an emit) reads only the events after `view.last_seq` (`current`).

A view lives while someone holds it (a working run, an open page) and, after that, among the last RECENT views
asked for, so a command on a run nobody watches reads the whole log only the first time.
"""

import asyncio
from collections import OrderedDict
from collections.abc import Sequence
from weakref import WeakValueDictionary

from core.domain.events import StoredEvent
from core.domain.fold import apply
from core.domain.view import RunView
from core.storage.event_log import EventLog

RECENT = 32


class CurrentViews:
    def __init__(self, log: EventLog, recent: int = RECENT) -> None:
        self._log = log
        self._views: WeakValueDictionary[str, RunView] = WeakValueDictionary()
        self._locks: WeakValueDictionary[str, asyncio.Lock] = WeakValueDictionary()
        self._recent: OrderedDict[str, RunView] = OrderedDict()
        self._keep = recent
        self.folded = 0  # events folded into views in this process, for the proof that each is folded once

    async def current(self, run_id: str) -> RunView:
        """The run's view with every event its log holds now; only the events after the view's last are read."""
        lock = self._locks.get(run_id)
        if lock is None:
            lock = self._locks[run_id] = asyncio.Lock()
        async with lock:
            view = self._view(run_id)
            self._fold(view, await self._log.read(run_id, view.last_seq))
        return view

    def new(self, run_id: str) -> RunView:
        """The view of a run about to get its first event: it follows the run from that event on, without a read."""
        return self._view(run_id)

    def take(self, run_id: str, stored: Sequence[StoredEvent]) -> None:
        """Fold events just persisted into the run's view, if this process holds one; an event past a gap is left
        for the next `current`, which reads it from the log."""
        view = self._views.get(run_id)
        if view is not None:
            self._fold(view, stored)

    async def caught_up(self, view: RunView, stored: Sequence[StoredEvent]) -> None:
        """`view` (this registry's) with at least the events `stored`: when another writer's events have not
        reached it yet, they are read from the log."""
        self._fold(view, stored)
        if stored and view.last_seq < stored[-1].seq:
            await self.current(view.run_id)

    def forget(self, run_id: str) -> None:
        """The run is gone (deleted): a later view of the same id starts empty."""
        self._views.pop(run_id, None)
        self._recent.pop(run_id, None)

    def _view(self, run_id: str) -> RunView:
        view = self._views.get(run_id)
        if view is None:
            view = self._views[run_id] = RunView(run_id=run_id)
        self._recent[run_id] = view
        self._recent.move_to_end(run_id)
        while len(self._recent) > self._keep:
            self._recent.popitem(last=False)
        return view

    def _fold(self, view: RunView, stored: Sequence[StoredEvent]) -> None:
        for item in stored:
            if item.seq == view.last_seq + 1:
                apply(view, item)
                self.folded += 1
