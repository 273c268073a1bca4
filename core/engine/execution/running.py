"""The commands this process runs, by id, and the turns a run's commands take (one at a time per run)."""

import asyncio
from collections import defaultdict
from dataclasses import dataclass, field

from core.domain.status import CommandEnd
from core.sandbox.base import Process


@dataclass
class Running:
    """One command from its request to its recorded end."""

    run_id: str
    process: Process | None = None  # once it started in the sandbox
    interrupt_asked: bool = False
    task: asyncio.Task | None = None
    ended: asyncio.Event = field(default_factory=asyncio.Event)

    def started(self, process: Process) -> None:
        """Its process started: an interrupt asked for before then takes effect now."""
        self.process = process
        if self.interrupt_asked:
            process.interrupt()

    def heard(self) -> None:
        """Another process recorded an interrupt: the first one asked for counts."""
        if not self.interrupt_asked:
            self.interrupt_asked = True
            if self.process is not None:  # not started yet: it is interrupted as it starts
                self.process.interrupt()

    async def stop(self, why: CommandEnd) -> None:
        """Stop it now and wait until its end is recorded."""
        if self.process is not None:
            self.process.stop(why)
        elif self.task is not None and self.task is not asyncio.current_task():
            self.task.cancel()
        await self.ended.wait()


class RunningCommands:
    def __init__(self) -> None:
        self._turns: dict[str, asyncio.Lock] = defaultdict(asyncio.Lock)  # a run's commands take turns
        self._by_id: dict[str, Running] = {}

    def __len__(self) -> int:
        return len(self._by_id)

    def turn(self, run_id: str) -> asyncio.Lock:
        return self._turns[run_id]

    def add(self, command_id: str, running: Running) -> Running:
        self._by_id[command_id] = running
        return running

    def get(self, command_id: str) -> Running | None:
        return self._by_id.get(command_id)

    def of(self, run_id: str, command_id: str) -> Running | None:
        """The command, if this process runs it for that run."""
        running = self._by_id.get(command_id)
        return running if running is not None and running.run_id == run_id else None

    def remove(self, command_id: str) -> None:
        self._by_id.pop(command_id, None)

    def all(self) -> list[Running]:
        return list(self._by_id.values())

    def of_run(self, run_id: str) -> list[Running]:
        return [running for running in self._by_id.values() if running.run_id == run_id]

    def runs(self) -> set[str]:
        """The runs with a command here now."""
        return {running.run_id for running in self._by_id.values()}

    def forget_run(self, run_id: str) -> None:
        self._turns.pop(run_id, None)
