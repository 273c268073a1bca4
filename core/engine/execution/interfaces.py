"""What callers of commands in run workspaces see: the limits they set, what a command that ended gives back, the
refusal of a busy workspace, the observer that counts commands, and the narrow interfaces each caller depends on
(the terminal, the API, the pipeline's tests) instead of the whole ExecutionService."""

from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from core.domain.inputs import InputError
from core.domain.status import CommandEnd, CommandOrigin, CommandStatus
from core.domain.view import RunView

from ..context import Emit


class CommandInProgress(InputError):
    """The run's workspace is busy with another command."""


@dataclass(frozen=True)
class CommandLimits:
    keep_chars: int = 1 << 20  # of a command's output, kept in the run's log (and shown in its terminal)
    log_bytes: int = 32 << 20  # of a command's output, kept in its log file; beyond, the command is stopped
    max_running: int = 4  # commands at once on this server
    wall_s: float = 300.0  # the sandbox's wall-time limit, for the sentences


@dataclass
class Ran:
    """A command that ended, as its caller sees it."""

    command_id: str
    status: CommandStatus
    ending: CommandEnd
    exit_code: int | None
    seconds: float
    message: str
    tail: str = ""  # the end of its whole output


class CommandObserver(Protocol):
    def command_ended(self, origin: CommandOrigin, status: CommandStatus, seconds: float,
                      output_bytes: int) -> None: ...


class UserCommands(Protocol):
    """The user's commands, as the API runs them: start one, stop one, read its whole output."""

    async def start(self, run_id: str, command: str) -> str:
        """Validate (InputError, CommandInProgress when the workspace is busy), record, and run in the background;
        the command's id."""

    async def interrupt(self, run_id: str, command_id: str) -> bool:
        """As Ctrl-C, whichever process runs it; False when it is not running or is being stopped already."""

    def log_path(self, run_id: str, command_id: str) -> Path | None:
        """The whole output of the run's command, if it has a log."""


class TerminalCommands(Protocol):
    """The user's commands, as the run page's terminal runs them, and whether they run in a sandbox at all."""

    @property
    def sandboxed(self) -> bool: ...

    def problem(self) -> str | None:
        """Why commands cannot run on this server, in a sentence; None when they can."""

    async def start(self, run_id: str, command: str) -> str: ...

    async def interrupt(self, run_id: str, command_id: str) -> bool: ...


class ProjectCommands(Protocol):
    """The pipeline's commands (the project's tests and what they need installed), run to their end."""

    async def run_to_end(self, run_id: str, command: str, *, emit: Emit, view: RunView | None = None,
                         env: dict[str, str] | None = None, read_only: dict[str, Path] | None = None) -> Ran: ...

    def wheels(self, run_id: str) -> Path:
        """Where the packages the run's project needs are downloaded, for its commands to see read-only."""
