"""How a command's events change a run's view: the fold's part for commands in the run's workspace (core.domain.fold
calls `apply_command_event` for each). Output is kept as the chunks it arrived in, with their ends, so a terminal
that joins late writes exactly what an early one did."""

from .custom import CommandEnded, CommandInterruptRequested, CommandOutput, CommandRequested, CommandStarted
from .view import CommandView, RunView

CommandPayload = CommandRequested | CommandStarted | CommandOutput | CommandInterruptRequested | CommandEnded


def apply_command_event(view: RunView, payload: CommandPayload, timestamp: int) -> None:
    command = view.commands.get(payload.command_id)
    match payload:
        case CommandRequested():
            view.commands[payload.command_id] = CommandView(payload.command_id, payload.command, payload.origin,
                                                            requested_ms=timestamp)
        case CommandStarted() if command is not None:
            command.started_ms, command.sandboxed = timestamp, payload.sandboxed
        case CommandOutput() if command is not None:
            command.chunks.append(payload.text)
            command.output_chars += len(payload.text)
            command.chunk_ends.append(command.output_chars)
            command.cut = command.cut or payload.cut
        case CommandInterruptRequested() if command is not None:
            command.interrupt_requested = True
        case CommandEnded() if command is not None:
            command.status, command.ending, command.exit_code = payload.status, payload.ending, payload.exit_code
            command.ended_ms, command.duration_ms = timestamp, payload.duration_ms
            command.output_bytes, command.message = payload.output_bytes, payload.message
