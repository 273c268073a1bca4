"""How a command ended, judged from how its process exited: its status, the reason in more detail, and the sentence
the terminal shows. Pure functions: no process, no log."""

import signal
from typing import NamedTuple

from core.domain.custom import CommandEnded
from core.domain.status import CommandEnd, CommandStatus
from core.sandbox.base import Exit
from core.sandbox.processes import SIGNAL_NAMES

from .interfaces import CommandLimits

SERVER_STOPPED = "Stopped: the server stopped while this command ran."
STOPPED_WITH_RUN = "Stopped: its run was cancelled, deleted or interrupted."
INTERRUPTED_BY_YOU = "Interrupted by you {took}."
TIME_LIMIT = "Stopped: it ran longer than the time limit of {wall_s:g} s."
MEMORY_LIMIT = "Stopped {took}: its processes used more memory than the limit allows."
OUTPUT_LIMIT = "Stopped {took}: it printed more than the output limit of {mb:g} MB."
SIGNALLED = "Ended by {name}{why} {took}."
EXITED = "Exited with code {code} {took}."
COULD_NOT_START = "The command could not start ({reason})."
_SIGNAL_CAUSES = {signal.SIGXCPU: "its CPU time limit", signal.SIGXFSZ: "its file size limit",
                  signal.SIGKILL: "a kill", signal.SIGSEGV: "a crash", signal.SIGABRT: "an abort"}


class Judgement(NamedTuple):
    status: CommandStatus
    ending: CommandEnd
    message: str


# The process running the command stopped (or died) while it ran.
WITH_SERVER = Judgement(CommandStatus.INTERRUPTED, CommandEnd.SERVER_STOPPED, SERVER_STOPPED)
# Its run was cancelled, deleted or interrupted.
WITH_RUN = Judgement(CommandStatus.INTERRUPTED, CommandEnd.CANCELLED, STOPPED_WITH_RUN)


def refused(reason: str) -> Judgement:
    """The command never started; `reason` says why in a sentence."""
    return Judgement(CommandStatus.REFUSED, CommandEnd.REFUSED, reason)


def could_not_start(error: OSError) -> Judgement:
    return refused(COULD_NOT_START.format(reason=error.strerror or error))


def judge(exit: Exit, limits: CommandLimits) -> Judgement:
    """The end of a command whose process started, from how it exited."""
    took = f"after {exit.seconds:.1f} s"
    match exit.stopped:
        case CommandEnd.INTERRUPTED:
            return Judgement(CommandStatus.INTERRUPTED, CommandEnd.INTERRUPTED, INTERRUPTED_BY_YOU.format(took=took))
        case CommandEnd.CANCELLED:
            return WITH_RUN
        case CommandEnd.SERVER_STOPPED:
            return WITH_SERVER
        case CommandEnd.TIME_LIMIT:
            return Judgement(CommandStatus.TIMEOUT, CommandEnd.TIME_LIMIT, TIME_LIMIT.format(wall_s=limits.wall_s))
        case CommandEnd.MEMORY_LIMIT:
            return Judgement(CommandStatus.FAILED, CommandEnd.MEMORY_LIMIT, MEMORY_LIMIT.format(took=took))
        case CommandEnd.OUTPUT_LIMIT:
            return Judgement(CommandStatus.FAILED, CommandEnd.OUTPUT_LIMIT,
                             OUTPUT_LIMIT.format(took=took, mb=limits.log_bytes / 2**20))
    # A shell reports a child killed by signal n as exit code 128 + n.
    signalled = exit.signal or (exit.code - 128 if exit.code and 128 < exit.code <= 128 + 64 else None)
    if signalled in SIGNAL_NAMES:
        cause = _SIGNAL_CAUSES.get(signalled)
        return Judgement(CommandStatus.FAILED, CommandEnd.SIGNALLED, SIGNALLED.format(
            name=SIGNAL_NAMES[signalled], why=f" ({cause})" if cause else "", took=took))
    status = CommandStatus.PASSED if exit.code == 0 else CommandStatus.FAILED
    return Judgement(status, CommandEnd.EXITED, EXITED.format(code=exit.code, took=took))


def ended(command_id: str, judgement: Judgement, *, exit_code: int | None = None, seconds: float = 0.0,
          output_bytes: int = 0) -> CommandEnded:
    """The event payload that records the end."""
    return CommandEnded(command_id=command_id, status=judgement.status, ending=judgement.ending, exit_code=exit_code,
                        duration_ms=int(seconds * 1000), output_bytes=output_bytes, message=judgement.message)
