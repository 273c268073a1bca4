"""What commands leave behind: the ends of commands an earlier server process left running, the workspaces of
deleted runs, and the commands still running when this process stops.

Each process keeps workspaces in its own data directory. Runs deleted through another process leave theirs behind
until `sweep` finds their runs gone (at start-up, and every `sweep_s` when set).
"""

import asyncio
import logging

from core.domain.custom import custom
from core.domain.status import CommandEnd
from core.eventlog.bus import Bus
from core.workspace.workspaces import Workspaces

from ..queries import RunQueries
from .ending import WITH_SERVER, ended
from .running import RunningCommands

log = logging.getLogger("botarmy.commands")


class Upkeep:
    def __init__(self, bus: Bus, queries: RunQueries, workspaces: Workspaces, running: RunningCommands,
                 sweep_s: float | None) -> None:
        self.bus, self.queries, self.workspaces, self.running = bus, queries, workspaces, running
        self.sweep_s = sweep_s  # scaled out, runs are deleted through other processes: their workspaces go this often
        self._sweeper: asyncio.Task | None = None

    async def recover(self) -> None:
        """Record the end of commands an earlier server process left running (it stopped while they ran), unless
        the log has it already (the run's close recorded it: core.engine.closing); drop the workspaces of runs that
        are gone, now and every `sweep_s` when set."""
        for run_id, command_id in self.workspaces.marked_running():
            command = await self.queries.command(run_id, command_id)
            if command is not None and command.running:
                await self.bus.emit(run_id, custom(ended(command_id, WITH_SERVER)))
            self.workspaces.mark_ended(run_id, command_id)
        await self.sweep()
        if self.sweep_s is not None and self._sweeper is None:
            self._sweeper = asyncio.create_task(self._keep_swept(self.sweep_s), name="workspace-sweeper")

    async def sweep(self) -> list[str]:
        """Remove the workspaces and logs this process keeps for runs that no longer exist; their ids."""
        gone = [run_id for run_id in sorted(self.workspaces.run_ids() - self.running.runs())
                if await self.queries.row(run_id) is None]
        for run_id in gone:
            await asyncio.to_thread(self.workspaces.remove, run_id)
            self.running.forget_run(run_id)
        if gone:
            log.info("removed the workspaces of %d deleted run(s)", len(gone))
        return gone

    async def _keep_swept(self, every_s: float) -> None:
        while True:
            await asyncio.sleep(every_s)
            try:
                await self.sweep()
            except Exception:  # noqa: BLE001 - the store may be restarting: the next sweep tries again
                log.exception("sweeping workspaces failed")

    async def forget(self, run_id: str) -> None:
        """Before a run is deleted: its commands stop, and its workspace and logs go."""
        for running in self.running.of_run(run_id):
            await running.stop(CommandEnd.CANCELLED)
        await asyncio.to_thread(self.workspaces.remove, run_id)
        self.running.forget_run(run_id)

    async def shutdown(self) -> None:
        """Stop every command still running; each records how it ended before the store closes."""
        if self._sweeper is not None:
            self._sweeper.cancel()
        await asyncio.gather(*(running.stop(CommandEnd.SERVER_STOPPED) for running in self.running.all()),
                             return_exceptions=True)
