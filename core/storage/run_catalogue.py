"""The run catalogue: one row per run, for the history list, ownership and AG-UI threads.

Implementations: core.storage.sql.run_catalogue (SQLite and PostgreSQL alike), core.storage.memory.run_catalogue.
The rows themselves (RunRow, RunPage) are the query side's, in core.domain.catalogue.
"""

from typing import Protocol

from core.domain.catalogue import RunPage, RunRow
from core.domain.status import RunStatus


class RunCatalogue(Protocol):
    async def create_run(self, run_id: str, brief: str, owner: str, thread_id: str | None = None) -> bool:
        """False when a run with this id, or this owner's run of this thread, exists already."""

    async def adopt_unowned_runs(self, owner: str) -> int:
        """Give the runs made before users existed to `owner`; how many there were."""

    async def rename_run(self, run_id: str, title: str) -> bool: ...

    async def delete_run(self, run_id: str) -> bool:
        """Remove the run and its events, so no copy stays behind."""

    async def get_run(self, run_id: str) -> RunRow | None:
        """Whoever owns it: callers on behalf of a user check the owner (core.engine.queries.RunQueries.owned)."""

    async def run_of_thread(self, owner: str, thread_id: str) -> RunRow | None: ...

    async def list_runs(self, owner: str, limit: int = 50, offset: int = 0, *, status: RunStatus | None = None,
                        search: str | None = None) -> RunPage:
        """The owner's runs, newest first; `status` filters by status, `search` finds text in the brief or title
        (literally and case-insensitively)."""

    async def runs_with_status(self, status: RunStatus) -> list[RunRow]:
        """Every owner's runs of one status."""
