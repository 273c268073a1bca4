"""One process's commands in run workspaces, its parts wired together: the commands running here and their turns
(running), a command's life (lifecycle), interrupts across processes (interrupts), and what commands leave behind
(upkeep). Callers depend on the part they use (core.engine.execution.interfaces)."""

import asyncio
import logging
from pathlib import Path

from core.domain.team import Team
from core.domain.view import RunView
from core.eventlog.bus import Bus
from core.sandbox.base import Sandbox
from core.workspace.workspaces import Workspaces

from ..context import Emit
from ..queries import RunQueries
from .interfaces import CommandLimits, CommandObserver, Ran
from .interrupts import Interrupts
from .lifecycle import Lifecycle
from .running import RunningCommands
from .upkeep import Upkeep

log = logging.getLogger("botarmy.commands")


class ExecutionService:
    def __init__(self, bus: Bus, queries: RunQueries, sandbox: Sandbox, workspaces: Workspaces, team: Team,
                 limits: CommandLimits = CommandLimits(), observer: CommandObserver | None = None,
                 sweep_s: float | None = None) -> None:
        self.queries, self.sandbox, self.workspaces = queries, sandbox, workspaces
        self._running = RunningCommands()
        self._interrupts = Interrupts(bus, queries, self._running)
        self._lifecycle = Lifecycle(bus, queries, sandbox, workspaces, team, limits, observer, self._running,
                                    self._interrupts)
        self._upkeep = Upkeep(bus, queries, workspaces, self._running, sweep_s)

    @property
    def sandboxed(self) -> bool:
        return self.sandbox.sandboxed

    def problem(self) -> str | None:
        """Why commands cannot run on this server, in a sentence; None when they can."""
        return self.sandbox.problem()

    async def check(self) -> None:
        """Probe the sandbox once, at start-up."""
        if problem := await asyncio.to_thread(self.sandbox.check):
            log.warning("commands cannot run: %s", problem)

    @property
    def running(self) -> int:
        return len(self._running)

    def log_path(self, run_id: str, command_id: str) -> Path | None:
        """The whole output of the run's command, if it has a log."""
        path = self.workspaces.log_path(run_id, command_id)
        return path if path.is_file() else None

    def wheels(self, run_id: str) -> Path:
        return self.workspaces.wheels(run_id)

    async def start(self, run_id: str, command: str) -> str:
        return await self._lifecycle.start(run_id, command)

    async def run_to_end(self, run_id: str, command: str, *, emit: Emit, view: RunView | None = None,
                         env: dict[str, str] | None = None, read_only: dict[str, Path] | None = None) -> Ran:
        return await self._lifecycle.run_to_end(run_id, command, emit=emit, view=view, env=env, read_only=read_only)

    async def interrupt(self, run_id: str, command_id: str) -> bool:
        return await self._interrupts.ask(run_id, command_id)

    async def recover(self) -> None:
        await self._upkeep.recover()

    async def sweep(self) -> list[str]:
        return await self._upkeep.sweep()

    async def forget(self, run_id: str) -> None:
        await self._upkeep.forget(run_id)

    async def shutdown(self) -> None:
        await self._upkeep.shutdown()
