"""The run's terminal: what its commands printed (xterm.js), the command line under it (↑ and ↓ for history),
Run and Stop, how the latest command stands, and its whole log as a download.

What the terminal shows is a pure function of the run's events (core.domain.terminal): each tab writes the text it
has not written yet, at most `bytes_per_second` of it a second, so a flood of output reaches every tab at a pace
the page can take, and a reload or another tab writes exactly the same characters.
"""

from nicegui import ui

from core.domain.inputs import InputError
from core.domain.status import CommandOrigin, CommandStatus
from core.domain.screen import COLUMNS
from core.domain.terminal import terminal_length, text_after
from core.domain.view import CommandView, RunView
from core.engine.execution import TerminalCommands
from core.limits.buckets import TokenBucket

from .calls import call
from .props import set_prop, set_text, set_visible

PUMP_INTERVAL_S = 0.1
COMMAND_LABEL = "Command to run in the project folder"  # its name for screen readers: a placeholder goes away
NO_COMMAND_YET = "No command has run yet. Type one below, such as pytest -q."
UNSANDBOXED = ("Commands run WITHOUT a sandbox on this server (BOTARMY_SANDBOX=none): the generated code and what you "
               "type here can read and change everything the server's user can, and reach the network.")
STATUS_LABELS = {CommandStatus.RUNNING: "Running", CommandStatus.PASSED: "Passed", CommandStatus.FAILED: "Failed",
                 CommandStatus.INTERRUPTED: "Interrupted", CommandStatus.TIMEOUT: "Time limit",
                 CommandStatus.REFUSED: "Refused"}


class TerminalView(ui.xterm, component="terminal.js"):
    """xterm.js that is only ever appended to, a frame's worth at a time."""

    def __init__(self) -> None:
        # Output's own colours (pytest's red above all) are brightened where they would fall below WCAG AA.
        super().__init__({"cols": COLUMNS, "rows": 22, "scrollback": 20000, "fontSize": 13, "cursorBlink": False,
                          "disableStdin": False, "convertEol": False, "minimumContrastRatio": 4.5})
        self.written: int | None = None  # characters of the terminal's text sent to this tab; None: not ready

    def append(self, text: str) -> None:
        call(self, "append", self.written, text)
        self.written += len(text)


class TerminalPanel:
    def __init__(self, run_id: str, commands: TerminalCommands, bytes_per_second: int) -> None:
        self.run_id, self.commands = run_id, commands
        self.view: RunView | None = None
        self.bucket = TokenBucket(bytes_per_second * 60, capacity=bytes_per_second)
        self.history: list[str] = []
        self.recalled: int | None = None  # position in the history while ↑ / ↓ walk it
        with ui.column().classes("terminal-panel w-full gap-2").props("data-testid=terminal-panel"):
            if not commands.sandboxed:
                ui.label(UNSANDBOXED).classes("sandbox-warning w-full").props("data-testid=sandbox-warning role=alert")
            if problem := commands.problem():
                ui.label(problem).classes("sandbox-warning w-full").props("data-testid=sandbox-unavailable")
            with ui.element("div").classes("terminal-frame w-full"):
                self.terminal = TerminalView().props("data-testid=terminal data-lines=0")
            self.terminal.on("ready", lambda: self._write_from(0))
            self.terminal.on("resync", lambda event: self._write_from(int(event.args)))
            self.terminal.on("interrupt", self.stop)
            with ui.row().classes("w-full items-center gap-2 no-wrap"):
                self.input = ui.input(placeholder="A command to run in the project folder, such as pytest -q").props(
                    f'outlined dense autocomplete=off spellcheck=false aria-label="{COMMAND_LABEL}" '
                    "data-testid=command-input").classes(
                    "command-line grow").mark("command-input")
                self.input.on("keydown.enter", self.run)
                self.input.on("keydown.up", lambda: self._recall(-1))
                self.input.on("keydown.down", lambda: self._recall(1))
                self.run_button = ui.button("Run", icon="play_arrow", on_click=self.run).props(
                    "unelevated dense data-testid=run-command data-requires-connection").mark("run-command")
                self.stop_button = ui.button("Stop", icon="stop", on_click=self.stop).props(
                    "outline dense color=negative data-testid=stop-command data-requires-connection")
            with ui.row().classes("w-full items-center gap-3"):
                self.status = ui.label(NO_COMMAND_YET).classes("text-body2").props(
                    "data-testid=command-status data-status= role=status")
                ui.space()
                self.download = ui.link("Download the whole log", "#").props(
                    "download data-testid=command-log").classes("text-body2")
        self.download.set_visibility(False)
        self.stop_button.disable()
        self.pump_timer = ui.timer(PUMP_INTERVAL_S, self.pump, active=False)

    # --- the run's view in, text and state out ---------------------------------------------------------------

    def update(self, view: RunView) -> None:
        self.view = view
        self.history = [c.command for c in view.commands.values() if c.origin == CommandOrigin.USER]
        latest = next(reversed(view.commands.values()), None)
        self._show(latest)
        self.pump()

    def pump(self) -> None:
        """Write what this tab has not written yet, as much as its budget allows; come back while behind."""
        if self.view is None or self.terminal.written is None:
            return
        behind = terminal_length(self.view) - self.terminal.written
        if behind > 0 and (room := int(self.bucket.take_up_to(behind))):
            self.terminal.append(text_after(self.view, self.terminal.written, room))
            behind -= room
        self.pump_timer.active = behind > 0

    def _write_from(self, position: int) -> None:
        """The tab's terminal says how far it got: on mounting (0), or after a message went missing."""
        self.terminal.written = position
        self.pump()

    def _show(self, command: CommandView | None) -> None:
        if command is None:
            return
        running = command.running
        set_prop(self.status, "data-command-id", command.command_id)
        set_prop(self.status, "data-status", command.status)
        if running and "data-exit-code" in self.status.props:
            self.status.props(remove="data-exit-code")
        elif not running:
            set_prop(self.status, "data-exit-code", "" if command.exit_code is None else str(command.exit_code))
        label = STATUS_LABELS[command.status]
        detail = ("Stopping…" if command.interrupt_requested else f"$ {command.command}") if running \
            else command.message
        set_text(self.status, f"{label}: {detail}")
        self.run_button.set_enabled(not running)
        self.stop_button.set_enabled(running and not command.interrupt_requested)
        has_log = command.status != CommandStatus.REFUSED
        set_visible(self.download, has_log)
        if has_log:
            set_prop(self.download, "href", f"/api/runs/{self.run_id}/commands/{command.command_id}/log")

    # --- the user's intents ------------------------------------------------------------------------------------

    async def run(self) -> None:
        command = self.input.value or ""
        try:
            await self.commands.start(self.run_id, command)
        except InputError as error:
            ui.notify(str(error), type="warning", attrs={"data-testid": "command-refused"})
            return
        self.input.set_value("")
        self.recalled = None

    async def stop(self) -> None:
        command = self.view and self.view.running_command
        if command is not None:
            await self.commands.interrupt(self.run_id, command.command_id)

    def _recall(self, step: int) -> None:
        if not self.history:
            return
        at = len(self.history) if self.recalled is None else self.recalled
        at = max(0, min(len(self.history), at + step))
        self.recalled = at
        self.input.set_value(self.history[at] if at < len(self.history) else "")

