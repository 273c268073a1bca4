"""Commands in a run's workspace: the user's own (from the terminal or the API) and the pipeline's (its tests).

Each is recorded before anything runs (COMMAND_REQUESTED), then its workspace is brought up to date with the run's
artifacts, it starts in the sandbox (COMMAND_STARTED), its output goes to the run's log in batches
(COMMAND_OUTPUT, at most BATCH_S apart and up to the kept limit; the whole output goes to a log file), and its
end is recorded with how it ended (COMMAND_ENDED). A run's commands take turns, so its terminal only grows at the
end.

An interrupt is recorded first (COMMAND_INTERRUPT_REQUESTED), by whichever process was asked; the process running the
command watches its run's log while it runs and sends SIGINT to the process group when it reads the request. So a
Stop reaches a command on another web instance or on a worker the way every event reaches every viewer (through
Redis when scaled out, re-read from the log when a message was lost); the one asked interrupts its own at once.

Each process keeps workspaces in its own data directory. Runs deleted through another process leave theirs behind
until `sweep` finds their runs gone (at start-up, and every `sweep_s` when set).
"""

import asyncio
import logging
import signal
import time
import uuid
from collections import defaultdict
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Protocol

from core.domain.custom import (
    CommandEnded,
    CommandInterruptRequested,
    CommandOutput,
    CommandRequested,
    CommandStarted,
    CustomKind,
    custom,
)
from core.domain.events import EventType, StoredEvent
from core.domain.inputs import Busy, InputError, clean_command
from core.domain.project import project_files
from core.domain.status import CommandEnd, CommandOrigin, CommandStatus
from core.domain.team import Team
from core.domain.view import RunView
from core.eventlog.bus import Bus
from core.sandbox.base import Exit, Job, Process, Sandbox
from core.sandbox.processes import SIGNAL_NAMES
from core.workspace.workspaces import Workspaces

from .command_output import CommandOutput as OutputBuffer
from .queries import RunQueries

log = logging.getLogger("botarmy.commands")

BATCH_S = 0.05  # output reaches the log at most this long after it was printed
EVENT_CHARS = 65536  # the most output one event carries
TAIL_BYTES = 16384  # the end of the log a caller gets back, to read a verdict from
ALREADY_RUNNING = "A command is already running in this run's workspace: wait for it to end, or stop it."
SERVER_STOPPED = "Stopped: the server stopped while this command ran."
STOPPED_WITH_RUN = "Stopped: its run was cancelled, deleted or interrupted."
_SIGNAL_CAUSES = {signal.SIGXCPU: "its CPU time limit", signal.SIGXFSZ: "its file size limit",
                  signal.SIGKILL: "a kill", signal.SIGSEGV: "a crash", signal.SIGABRT: "an abort"}

Emit = Callable[..., Awaitable[list[StoredEvent]]]


class CommandInProgress(InputError):
    """The run's workspace is busy with another command."""


class CommandObserver(Protocol):
    def command_ended(self, origin: CommandOrigin, status: CommandStatus, seconds: float,
                      output_bytes: int) -> None: ...


class _Unobserved:
    def command_ended(self, origin: CommandOrigin, status: CommandStatus, seconds: float, output_bytes: int) -> None:
        pass


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


@dataclass
class _Running:
    run_id: str
    process: Process | None = None
    interrupt_asked: bool = False
    task: asyncio.Task | None = None
    ended: asyncio.Event = field(default_factory=asyncio.Event)


class ExecutionService:
    def __init__(self, bus: Bus, queries: RunQueries, sandbox: Sandbox, workspaces: Workspaces, team: Team,
                 limits: CommandLimits = CommandLimits(), observer: CommandObserver = _Unobserved(),
                 sweep_s: float | None = None) -> None:
        self.bus, self.queries, self.sandbox, self.workspaces, self.team = bus, queries, sandbox, workspaces, team
        self.limits = limits
        self.observer = observer
        self.sweep_s = sweep_s  # scaled out, runs are deleted through other processes: their workspaces go this often
        self._turns: dict[str, asyncio.Lock] = defaultdict(asyncio.Lock)  # a run's commands take turns
        self._running: dict[str, _Running] = {}  # by command id
        self._sweeper: asyncio.Task | None = None

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

    # --- commands -----------------------------------------------------------------------------------------

    async def start(self, run_id: str, command: str) -> str:
        """The user's command: validated (InputError), recorded, then run in the background; its id."""
        text = clean_command(command)
        turn = self._turns[run_id]
        if turn.locked():
            raise CommandInProgress(ALREADY_RUNNING)
        if len(self._running) >= self.limits.max_running:
            raise Busy(f"The server runs as many commands as it allows at once ({self.limits.max_running}); "
                       "try again in a moment.", retry_after=5)
        await turn.acquire()  # free, as just checked: taken before anything else can
        command_id = uuid.uuid4().hex
        emit = partial(self.bus.emit, run_id)
        try:
            requested = await emit(custom(CommandRequested(command_id=command_id, command=text,
                                                           origin=CommandOrigin.USER)))
        except BaseException:
            turn.release()
            raise
        running = self._running[command_id] = _Running(run_id)

        async def in_turn() -> None:
            try:
                await self._run(run_id, command_id, requested[0].seq, text, CommandOrigin.USER, emit)
            except Exception:  # noqa: BLE001 - logged; the command's end is recorded by _run where it can be
                log.exception("command %s of run %s failed", command_id, run_id)
            finally:
                turn.release()

        running.task = asyncio.create_task(in_turn(), name=f"command-{command_id}")
        return command_id

    async def run_to_end(self, run_id: str, command: str, *, emit: Emit, view: RunView | None = None,
                         env: dict[str, str] | None = None, read_only: dict[str, Path] | None = None) -> Ran:
        """The pipeline's command: waits for its turn, runs, and says how it ended."""
        async with self._turns[run_id]:
            command_id = uuid.uuid4().hex
            self._running[command_id] = _Running(run_id, task=asyncio.current_task())
            try:
                requested = await emit(custom(CommandRequested(command_id=command_id, command=command,
                                                               origin=CommandOrigin.VERIFY)))
            except BaseException:
                self._running.pop(command_id)
                raise
            return await self._run(run_id, command_id, requested[0].seq, command, CommandOrigin.VERIFY, emit, view,
                                   env or {}, read_only or {})

    async def interrupt(self, run_id: str, command_id: str) -> bool:
        """Stop the command as Ctrl-C would, whichever process runs it: the request is recorded in the run's log,
        where the process running the command reads it (this one interrupts its own at once). False when the
        command is not running (any more), or is being stopped already."""
        running = self._running.get(command_id)
        if running is not None and running.run_id == run_id:
            if running.interrupt_asked:
                return False
            running.interrupt_asked = True
        else:  # another process runs it, if any does: the log says whether it still runs
            view = await self.queries.view(run_id)
            command = view.commands.get(command_id) if view is not None else None
            if command is None or not command.running or command.interrupt_requested:
                return False
        await self.bus.emit(run_id, custom(CommandInterruptRequested(command_id=command_id)))
        if running is not None and running.run_id == run_id and running.process is not None:
            running.process.interrupt()
        return True

    async def _heed_interrupts(self, run_id: str, command_id: str, after_seq: int) -> None:
        """While the command runs here, read its run's log for an interrupt another process recorded."""
        async for item in self.bus.subscribe(run_id, after_seq):
            event = item.event
            if (event.type == EventType.CUSTOM and event.name == CustomKind.COMMAND_INTERRUPT_REQUESTED
                    and event.value.get("command_id") == command_id):
                running = self._running.get(command_id)
                if running is not None and not running.interrupt_asked:
                    running.interrupt_asked = True
                    if running.process is not None:  # not started yet: it is interrupted as it starts
                        running.process.interrupt()
                return

    async def _run(self, run_id: str, command_id: str, requested_seq: int, text: str, origin: CommandOrigin,
                   emit: Emit, view: RunView | None = None, env: dict[str, str] | None = None,
                   read_only: dict[str, Path] | None = None) -> Ran:
        running = self._running[command_id]
        started = time.monotonic()
        heeding = asyncio.create_task(self._heed_interrupts(run_id, command_id, requested_seq),
                                      name=f"interrupts-{command_id}")
        try:
            if problem := self.sandbox.problem():
                return await self._record_end(emit, command_id, origin, started, 0,
                                              CommandStatus.REFUSED, CommandEnd.REFUSED, None, problem)
            try:
                view = view or await self.queries.view(run_id)
                workspace = await asyncio.to_thread(self.workspaces.sync, run_id, project_files(view, self.team),
                                                    self.sandbox.owner(run_id))
            except asyncio.CancelledError:
                await self._record_end(emit, command_id, origin, started, 0, CommandStatus.INTERRUPTED,
                                       CommandEnd.CANCELLED, None, STOPPED_WITH_RUN)
                raise
            return await self._execute(run_id, command_id, text, origin, emit, workspace, env or {}, read_only or {})
        finally:
            heeding.cancel()
            running.ended.set()
            self._running.pop(command_id, None)

    async def _execute(self, run_id: str, command_id: str, text: str, origin: CommandOrigin, emit: Emit,
                       workspace: Path, env: dict[str, str], read_only: dict[str, Path]) -> Ran:
        running = self._running[command_id]
        loop = asyncio.get_running_loop()
        ready, finished = asyncio.Event(), asyncio.Event()
        log_path = self.workspaces.log_path(run_id, command_id)
        self.workspaces.mark_running(run_id, command_id)
        output = OutputBuffer(log_path, self.limits.keep_chars, self.limits.log_bytes,
                              lambda: loop.call_soon_threadsafe(ready.set))
        started = time.monotonic()
        try:
            process = running.process = self.sandbox.start(Job(text, workspace, run_id, env, read_only), output)
        except OSError as error:
            output.close()
            log.warning("command %s could not start: %s", command_id, error)
            self.workspaces.mark_ended(run_id, command_id)
            return await self._record_end(emit, command_id, origin, started, 0, CommandStatus.REFUSED,
                                          CommandEnd.REFUSED, None,
                                          f"The command could not start ({error.strerror or error}).")
        if running.interrupt_asked:
            process.interrupt()
        pump = asyncio.create_task(self._pump(command_id, output, ready, finished, emit))
        cancelled = False
        try:
            await emit(custom(CommandStarted(command_id=command_id, sandboxed=self.sandbox.sandboxed)))
            exit = await process.wait()
        except asyncio.CancelledError:  # the run stops: so does its command, whose end is still recorded
            cancelled = True
            process.stop(CommandEnd.CANCELLED)
            exit = await process.wait()
        except Exception:  # the log failed: the command must not outlive the service that watches it
            process.stop(CommandEnd.CANCELLED)
            pump.cancel()
            raise
        output.close()
        finished.set()
        ready.set()
        await pump
        status, ending, message = self._judge(exit)
        ran = await self._record_end(emit, command_id, origin, started, output.total_bytes, status, ending,
                                     exit.code, message, tail=_tail(log_path))
        self.workspaces.mark_ended(run_id, command_id)
        if cancelled:
            raise asyncio.CancelledError
        return ran

    async def _pump(self, command_id: str, output: OutputBuffer, ready: asyncio.Event, finished: asyncio.Event,
                    emit: Emit) -> None:
        """Output to the log in batches, until the command ended and nothing waits."""
        while not finished.is_set():
            await ready.wait()
            ready.clear()
            await self._emit_output(command_id, output, emit)
            await asyncio.sleep(BATCH_S)
        await self._emit_output(command_id, output, emit)

    @staticmethod
    async def _emit_output(command_id: str, output: OutputBuffer, emit: Emit) -> None:
        text, cut = output.take()
        if not text and not cut:
            return
        pieces = [text[start:start + EVENT_CHARS] for start in range(0, len(text), EVENT_CHARS)] or [""]
        await emit(*(custom(CommandOutput(command_id=command_id, text=piece, cut=cut and n == len(pieces) - 1))
                     for n, piece in enumerate(pieces)))

    async def _record_end(self, emit: Emit, command_id: str, origin: CommandOrigin,
                          started: float, output_bytes: int, status: CommandStatus, ending: CommandEnd,
                          exit_code: int | None, message: str, tail: str = "") -> Ran:
        seconds = time.monotonic() - started
        await emit(custom(CommandEnded(command_id=command_id, status=status, ending=ending, exit_code=exit_code,
                                       duration_ms=int(seconds * 1000), output_bytes=output_bytes,
                                       message=message)))
        self.observer.command_ended(origin, status, seconds, output_bytes)
        return Ran(command_id, status, ending, exit_code, seconds, message, tail)

    def _judge(self, exit: Exit) -> tuple[CommandStatus, CommandEnd, str]:
        took = f"after {exit.seconds:.1f} s"
        match exit.stopped:
            case CommandEnd.INTERRUPTED:
                return CommandStatus.INTERRUPTED, CommandEnd.INTERRUPTED, f"Interrupted by you {took}."
            case CommandEnd.CANCELLED:
                return CommandStatus.INTERRUPTED, CommandEnd.CANCELLED, STOPPED_WITH_RUN
            case CommandEnd.SERVER_STOPPED:
                return CommandStatus.INTERRUPTED, CommandEnd.SERVER_STOPPED, SERVER_STOPPED
            case CommandEnd.TIME_LIMIT:
                return (CommandStatus.TIMEOUT, CommandEnd.TIME_LIMIT,
                        f"Stopped: it ran longer than the time limit of {self.limits.wall_s:g} s.")
            case CommandEnd.MEMORY_LIMIT:
                return (CommandStatus.FAILED, CommandEnd.MEMORY_LIMIT,
                        f"Stopped {took}: its processes used more memory than the limit allows.")
            case CommandEnd.OUTPUT_LIMIT:
                return (CommandStatus.FAILED, CommandEnd.OUTPUT_LIMIT,
                        f"Stopped {took}: it printed more than the output limit of "
                        f"{self.limits.log_bytes / 2**20:g} MB.")
        signalled = exit.signal or (exit.code - 128 if exit.code and 128 < exit.code <= 128 + 64 else None)
        if signalled in SIGNAL_NAMES:
            cause = _SIGNAL_CAUSES.get(signalled)
            why = f" ({cause})" if cause else ""
            return (CommandStatus.FAILED, CommandEnd.SIGNALLED,
                    f"Ended by {SIGNAL_NAMES[signalled]}{why} {took}.")
        if exit.code == 0:
            return CommandStatus.PASSED, CommandEnd.EXITED, f"Exited with code 0 {took}."
        return CommandStatus.FAILED, CommandEnd.EXITED, f"Exited with code {exit.code} {took}."

    # --- the server's life --------------------------------------------------------------------------------

    async def recover(self) -> None:
        """Record the end of commands an earlier server process left running (it stopped while they ran), unless
        the log has it already (the run's close recorded it: core.engine.closing); drop the workspaces of runs that
        are gone, now and every `sweep_s` when set."""
        for run_id, command_id in self.workspaces.marked_running():
            view = await self.queries.view(run_id)
            command = view.commands.get(command_id) if view is not None else None
            if command is not None and command.running:
                await self.bus.emit(run_id, custom(CommandEnded(
                    command_id=command_id, status=CommandStatus.INTERRUPTED, ending=CommandEnd.SERVER_STOPPED,
                    message=SERVER_STOPPED)))
            self.workspaces.mark_ended(run_id, command_id)
        await self.sweep()
        if self.sweep_s is not None and self._sweeper is None:
            self._sweeper = asyncio.create_task(self._keep_swept(self.sweep_s), name="workspace-sweeper")

    async def sweep(self) -> list[str]:
        """Remove the workspaces and logs this process keeps for runs that no longer exist; their ids."""
        busy = {running.run_id for running in self._running.values()}
        gone = [run_id for run_id in sorted(self.workspaces.run_ids() - busy)
                if await self.queries.row(run_id) is None]
        for run_id in gone:
            await asyncio.to_thread(self.workspaces.remove, run_id)
            self._turns.pop(run_id, None)
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
        for running in [r for r in self._running.values() if r.run_id == run_id]:
            await self._stop(running, CommandEnd.CANCELLED)
        await asyncio.to_thread(self.workspaces.remove, run_id)
        self._turns.pop(run_id, None)

    async def shutdown(self) -> None:
        """Stop every command still running; each records how it ended before the store closes."""
        if self._sweeper is not None:
            self._sweeper.cancel()
        await asyncio.gather(*(self._stop(running, CommandEnd.SERVER_STOPPED)
                               for running in list(self._running.values())), return_exceptions=True)

    @staticmethod
    async def _stop(running: _Running, why: CommandEnd) -> None:
        if running.process is not None:
            running.process.stop(why)
        elif running.task is not None and running.task is not asyncio.current_task():
            running.task.cancel()
        await running.ended.wait()


def _tail(path: Path) -> str:
    try:
        with open(path, "rb") as log_file:
            log_file.seek(0, 2)
            log_file.seek(max(0, log_file.tell() - TAIL_BYTES))
            return log_file.read().decode(errors="replace")
    except OSError:
        return ""

