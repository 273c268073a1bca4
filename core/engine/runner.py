"""Where runs are worked, as the commands (core.engine.commands) see it: in this process (core.engine.executor, the
embedded default) or by workers that hold them under a lease (core.engine.jobs, on PostgreSQL and Redis).

Also the lock that commands which look at a run's state and then change it take, so two tabs (or two web
instances) cannot both decide: one per process by default, one per user across processes when scaled.
"""

import asyncio
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from typing import Protocol

from core.domain.view import RunView

from .signals import Signal

ControlLock = Callable[[str], AbstractAsyncContextManager[None]]  # keyed by the run's owner


class Runner(Protocol):
    @property
    def active_runs(self) -> int: ...

    @property
    def queued_runs(self) -> int: ...

    async def counts(self) -> tuple[int, int]:
        """(runs working, runs waiting for a slot or a worker), read now."""

    async def working(self, run_id: str) -> bool:
        """Some process works the run, or it waits for one."""

    async def working_for(self, owner: str) -> int:
        """The owner's runs that work or wait for a worker."""

    async def hold(self, run_id: str) -> None:
        """The run is about to be launched once an event is recorded: if this process dies before `launch`, the run
        is launched all the same (by workers; in one process a restart closes it as interrupted)."""

    async def launch(self, run_id: str, view: RunView, owner: str) -> None: ...

    async def signal(self, run_id: str, signal: Signal) -> bool:
        """Send a signal (core.engine.signals) to the process working the run; False when none does."""

    async def stop(self, run_id: str) -> None:
        """Cancel the run, if it works, before it is deleted."""

    async def recover(self) -> None: ...

    async def shutdown(self) -> None: ...


def process_lock() -> ControlLock:
    """One lock for every command of this process, whoever the owner."""
    lock = asyncio.Lock()
    return lambda key: lock


def shared_lock(across_processes: ControlLock) -> ControlLock:
    """This process's lock, then one per key across every process; at most one of this process's connections waits
    for the shared one."""
    local = asyncio.Lock()

    @asynccontextmanager
    async def locked(key: str) -> AsyncIterator[None]:
        async with local, across_processes(key):
            yield

    return locked
