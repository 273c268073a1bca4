"""A command in the run's workspace as an AG-UI tool call: TOOL_CALL_START, ARGS (the command line) and END when it
starts, its output in between as the run's own CUSTOM events, and TOOL_CALL_RESULT (how it ended) when it ends."""

import json

from ag_ui.core import ToolCallArgsEvent, ToolCallEndEvent, ToolCallResultEvent, ToolCallStartEvent

from core.domain.custom import CommandEnded, CommandStarted, payload_of
from core.domain.events import Event, EventType
from core.domain.view import CommandView, RunView

TOOL_NAME = "run_command"
_AS_TOOL_CALL = {CommandStarted.KIND, CommandEnded.KIND}


class CommandToolCalls:
    """Translates one stream's events; remembers which calls it opened, so a command that started before the
    stream did (or never started) still gets a whole call before its result."""

    def __init__(self) -> None:
        self.opened: set[str] = set()

    def translate(self, event: Event, view: RunView) -> list[Event]:
        if event.type != EventType.CUSTOM or event.name not in _AS_TOOL_CALL:
            return [event]
        payload: CommandStarted | CommandEnded = payload_of(event)
        command = view.commands.get(payload.command_id)
        if command is None:
            return []
        events = self._open(command)
        if isinstance(payload, CommandEnded):
            events.append(ToolCallResultEvent(
                message_id=f"{command.command_id}:result", tool_call_id=command.command_id, role="tool",
                content=json.dumps({"status": command.status, "exitCode": command.exit_code,
                                    "ending": command.ending, "message": command.message,
                                    "durationMs": command.duration_ms, "outputBytes": command.output_bytes,
                                    "cut": command.cut})))
        return events

    def _open(self, command: CommandView) -> list[Event]:
        if command.command_id in self.opened:
            return []
        self.opened.add(command.command_id)
        return [ToolCallStartEvent(tool_call_id=command.command_id, tool_call_name=TOOL_NAME),
                ToolCallArgsEvent(tool_call_id=command.command_id,
                                  delta=json.dumps({"command": command.command, "origin": command.origin})),
                ToolCallEndEvent(tool_call_id=command.command_id)]

