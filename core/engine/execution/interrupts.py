"""Stopping a command as Ctrl-C would, whichever process runs it.

The request is recorded first (COMMAND_INTERRUPT_REQUESTED), by whichever process was asked; the process running
the command follows its run's log while it runs and interrupts it when it reads the request. So a Stop reaches a
command on another web instance or on a worker the way every event reaches every viewer (through Redis when scaled
out, re-read from the log when a message was lost); the one asked interrupts its own at once.
"""

from core.domain.custom import CommandInterruptRequested, custom, payload_as
from core.eventlog.bus import Bus

from ..queries import RunQueries
from .running import RunningCommands


class Interrupts:
    def __init__(self, bus: Bus, queries: RunQueries, running: RunningCommands) -> None:
        self.bus, self.queries, self.running = bus, queries, running

    async def ask(self, run_id: str, command_id: str) -> bool:
        """Record the request, and interrupt the command at once if it runs here. False when the command is not
        running (any more), or is being stopped already."""
        here = self.running.of(run_id, command_id)
        if here is not None:
            if here.interrupt_asked:
                return False
            here.interrupt_asked = True
        else:  # another process runs it, if any does: the log says whether it still runs
            command = await self.queries.command(run_id, command_id)
            if command is None or not command.running or command.interrupt_requested:
                return False
        await self.bus.emit(run_id, custom(CommandInterruptRequested(command_id=command_id)))
        if here is not None and here.process is not None:
            here.process.interrupt()
        return True

    async def heed(self, run_id: str, command_id: str, after_seq: int) -> None:
        """While the command runs here, read its run's log for an interrupt another process recorded."""
        async for item in self.bus.subscribe(run_id, after_seq):
            request = payload_as(item.event, CommandInterruptRequested)
            if request is not None and request.command_id == command_id:
                if (running := self.running.get(command_id)) is not None:
                    running.heard()
                return
