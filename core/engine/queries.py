"""Reads of runs, for pages, the API, AG-UI and health: nothing here changes anything."""

from collections.abc import AsyncIterator

from core.domain.catalogue import RunPage, RunRow
from core.domain.events import StoredEvent
from core.domain.status import RunStatus
from core.domain.view import CommandView, RunView
from core.eventlog.bus import Bus
from core.storage.event_log import EventLog
from core.storage.run_catalogue import RunCatalogue

from .views import CurrentViews


class RunQueries:
    """One per process (the composition root shares it): its `views` are the process's current views of runs."""

    def __init__(self, catalogue: RunCatalogue, log: EventLog, bus: Bus) -> None:
        self._catalogue, self._log, self._bus = catalogue, log, bus
        self.views = CurrentViews(log)
        bus.tap(self.views.take)

    async def view(self, run_id: str) -> RunView | None:
        """The run's current view, shared with everyone in this process who looks at the run; None when there is no
        such run. Only the events after what the view holds are read."""
        if await self._catalogue.get_run(run_id) is None:
            return None
        return await self.views.current(run_id)

    async def command(self, run_id: str, command_id: str) -> CommandView | None:
        """The run's command as its log tells it (whichever process runs it); None when there is no such one."""
        view = await self.view(run_id)
        return view.commands.get(command_id) if view is not None else None

    async def owned(self, run_id: str, owner: str) -> RunRow | None:
        """The run, if it exists and is the owner's: anyone else's run is as absent as one that never existed."""
        row = await self._catalogue.get_run(run_id)
        return row if row is not None and row.owner == owner else None

    async def row(self, run_id: str) -> RunRow | None:
        """Whoever owns it: for callers that checked the owner already."""
        return await self._catalogue.get_run(run_id)

    async def of_thread(self, owner: str, thread_id: str) -> RunRow | None:
        return await self._catalogue.run_of_thread(owner, thread_id)

    async def page(self, owner: str, limit: int = 50, offset: int = 0, *, status: RunStatus | None = None,
                   search: str | None = None) -> RunPage:
        """The owner's runs, newest first, filtered by status and by text in the brief or name."""
        return await self._catalogue.list_runs(owner, limit, offset, status=status, search=search)

    async def with_status(self, status: RunStatus) -> list[RunRow]:
        """Every user's runs of one status, for the engine's own bookkeeping."""
        return await self._catalogue.runs_with_status(status)

    async def events(self, run_id: str, after: int = 0) -> list[StoredEvent]:
        """The run's stored events after sequence number `after`."""
        return await self._log.read(run_id, after)

    def follow(self, run_id: str, after: int = 0) -> AsyncIterator[StoredEvent]:
        """Every event after `after`, replayed from the log, then live: no gap, no duplicate."""
        return self._bus.subscribe(run_id, after)

    async def writable(self) -> bool:
        return await self._log.check_writable()
