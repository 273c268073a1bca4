"""The run catalogue in memory, for tests that want speed: the contracts of core.storage.run_catalogue."""

from dataclasses import replace

from core.domain.catalogue import RunPage, RunRow
from core.domain.events import now_ms
from core.domain.status import RunStatus

from .tables import MemoryRun, MemoryTables


def _found(row: RunRow, search: str) -> bool:
    """Literally and case-insensitively, as SQL's lower(…) LIKE lower(…) with every wildcard escaped."""
    return search.lower() in row.brief.lower() or search.lower() in row.title.lower()


class MemoryRunCatalogue:
    def __init__(self, tables: MemoryTables) -> None:
        self._tables = tables

    async def create_run(self, run_id: str, brief: str, owner: str, thread_id: str | None = None) -> bool:
        runs = self._tables.runs
        if run_id in runs or (thread_id is not None and await self.run_of_thread(owner, thread_id) is not None):
            return False
        runs[run_id] = MemoryRun(RunRow(run_id, brief, "", now_ms(), None, RunStatus.RUNNING, 0, 0.0, owner), thread_id)
        return True

    async def adopt_unowned_runs(self, owner: str) -> int:
        unowned = [run for run in self._tables.runs.values() if run.row.owner == ""]
        for run in unowned:
            run.row = replace(run.row, owner=owner)
        return len(unowned)

    async def rename_run(self, run_id: str, title: str) -> bool:
        if (run := self._tables.runs.get(run_id)) is None:
            return False
        run.row = replace(run.row, title=title)
        return True

    async def delete_run(self, run_id: str) -> bool:
        self._tables.events.pop(run_id, None)
        return self._tables.runs.pop(run_id, None) is not None

    async def get_run(self, run_id: str) -> RunRow | None:
        run = self._tables.runs.get(run_id)
        return run.row if run is not None else None

    async def run_of_thread(self, owner: str, thread_id: str) -> RunRow | None:
        return next((run.row for run in self._tables.runs.values()
                     if run.row.owner == owner and run.thread_id == thread_id), None)

    async def list_runs(self, owner: str, limit: int = 50, offset: int = 0, *, status: RunStatus | None = None,
                        search: str | None = None) -> RunPage:
        rows = [run.row for run in self._tables.runs.values() if run.row.owner == owner
                and (not status or run.row.status == status) and (not search or _found(run.row, search))]
        rows.sort(key=lambda row: row.created_ms, reverse=True)
        return RunPage(rows[offset:offset + limit], len(rows))

    async def runs_with_status(self, status: RunStatus) -> list[RunRow]:
        return [run.row for run in self._tables.runs.values() if run.row.status == status]
