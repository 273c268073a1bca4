"""A command's life: recorded before anything runs (COMMAND_REQUESTED), its workspace brought up to date with the
run's artifacts, started in the sandbox (COMMAND_STARTED), its output pumped to the run's log, and its end recorded
with how it ended (COMMAND_ENDED). A run's commands take turns, so its terminal only grows at the end."""

import asyncio
import logging
import time
import uuid
from functools import partial
from pathlib import Path

from core.domain.custom import CommandRequested, CommandStarted, custom
from core.domain.inputs import Busy, clean_command
from core.domain.project import project_files
from core.domain.status import CommandEnd, CommandOrigin
from core.domain.team import Team
from core.domain.view import RunView
from core.eventlog.bus import Bus
from core.sandbox.base import Job, Sandbox
from core.workspace.workspaces import Workspaces

from ..context import Emit
from ..queries import RunQueries
from .ending import WITH_RUN, Judgement, could_not_start, ended, judge, refused
from .interfaces import CommandInProgress, CommandLimits, CommandObserver, Ran
from .interrupts import Interrupts
from .output import OutputBuffer, Pump, log_tail
from .running import Running, RunningCommands

log = logging.getLogger("botarmy.commands")

ALREADY_RUNNING = "A command is already running in this run's workspace: wait for it to end, or stop it."
TOO_MANY = "The server runs as many commands as it allows at once ({limit}); try again in a moment."


class Lifecycle:
    def __init__(self, bus: Bus, queries: RunQueries, sandbox: Sandbox, workspaces: Workspaces, team: Team,
                 limits: CommandLimits, observer: CommandObserver | None, running: RunningCommands,
                 interrupts: Interrupts) -> None:
        self.bus, self.queries, self.sandbox, self.workspaces, self.team = bus, queries, sandbox, workspaces, team
        self.limits, self.observer = limits, observer
        self.running, self.interrupts = running, interrupts

    async def start(self, run_id: str, command: str) -> str:
        """The user's command: validated (InputError), recorded, then run in the background; its id."""
        text = clean_command(command)
        turn = self.running.turn(run_id)
        if turn.locked():
            raise CommandInProgress(ALREADY_RUNNING)
        if len(self.running) >= self.limits.max_running:
            raise Busy(TOO_MANY.format(limit=self.limits.max_running), retry_after=5)
        await turn.acquire()  # free, as just checked: taken before anything else can
        command_id = uuid.uuid4().hex
        emit = partial(self.bus.emit, run_id)
        try:
            requested = await emit(custom(CommandRequested(command_id=command_id, command=text,
                                                           origin=CommandOrigin.USER)))
        except BaseException:
            turn.release()
            raise
        running = self.running.add(command_id, Running(run_id))

        async def in_turn() -> None:
            try:
                await self._run(running, command_id, requested[0].seq, text, CommandOrigin.USER, emit)
            except Exception:  # noqa: BLE001 - logged; the command's end is recorded by _run where it can be
                log.exception("command %s of run %s failed", command_id, run_id)
            finally:
                turn.release()

        running.task = asyncio.create_task(in_turn(), name=f"command-{command_id}")
        return command_id

    async def run_to_end(self, run_id: str, command: str, *, emit: Emit, view: RunView | None = None,
                         env: dict[str, str] | None = None, read_only: dict[str, Path] | None = None) -> Ran:
        """The pipeline's command: waits for its turn, runs, and says how it ended."""
        async with self.running.turn(run_id):
            command_id = uuid.uuid4().hex
            running = self.running.add(command_id, Running(run_id, task=asyncio.current_task()))
            try:
                requested = await emit(custom(CommandRequested(command_id=command_id, command=command,
                                                               origin=CommandOrigin.VERIFY)))
            except BaseException:
                self.running.remove(command_id)
                raise
            return await self._run(running, command_id, requested[0].seq, command, CommandOrigin.VERIFY, emit, view,
                                   env or {}, read_only or {})

    async def _run(self, running: Running, command_id: str, requested_seq: int, text: str, origin: CommandOrigin,
                   emit: Emit, view: RunView | None = None, env: dict[str, str] | None = None,
                   read_only: dict[str, Path] | None = None) -> Ran:
        run_id = running.run_id
        started = time.monotonic()
        heeding = asyncio.create_task(self.interrupts.heed(run_id, command_id, requested_seq),
                                      name=f"interrupts-{command_id}")
        try:
            if problem := self.sandbox.problem():
                return await self._record_end(emit, command_id, origin, started, refused(problem))
            try:
                view = view or await self.queries.view(run_id)
                workspace = await asyncio.to_thread(self.workspaces.sync, run_id, project_files(view, self.team),
                                                    self.sandbox.owner(run_id))
            except asyncio.CancelledError:
                await self._record_end(emit, command_id, origin, started, WITH_RUN)
                raise
            return await self._execute(running, command_id, text, origin, emit, workspace, env or {},
                                       read_only or {})
        finally:
            heeding.cancel()
            running.ended.set()
            self.running.remove(command_id)

    async def _execute(self, running: Running, command_id: str, text: str, origin: CommandOrigin, emit: Emit,
                       workspace: Path, env: dict[str, str], read_only: dict[str, Path]) -> Ran:
        run_id = running.run_id
        log_path = self.workspaces.log_path(run_id, command_id)
        self.workspaces.mark_running(run_id, command_id)
        pump = Pump(command_id, emit)
        output = OutputBuffer(log_path, self.limits.keep_chars, self.limits.log_bytes, pump.ready)
        started = time.monotonic()
        try:
            process = self.sandbox.start(Job(text, workspace, run_id, env, read_only), output)
        except OSError as error:
            output.close()
            log.warning("command %s could not start: %s", command_id, error)
            self.workspaces.mark_ended(run_id, command_id)
            return await self._record_end(emit, command_id, origin, started, could_not_start(error))
        running.started(process)
        pumping = asyncio.create_task(pump.run(output))
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
            pumping.cancel()
            raise
        output.close()
        pump.finish()
        await pumping
        ran = await self._record_end(emit, command_id, origin, started, judge(exit, self.limits), exit.code,
                                     output.total_bytes, log_tail(log_path))
        self.workspaces.mark_ended(run_id, command_id)
        if cancelled:
            raise asyncio.CancelledError
        return ran

    async def _record_end(self, emit: Emit, command_id: str, origin: CommandOrigin, started: float,
                          judgement: Judgement, exit_code: int | None = None, output_bytes: int = 0,
                          tail: str = "") -> Ran:
        seconds = time.monotonic() - started
        await emit(custom(ended(command_id, judgement, exit_code=exit_code, seconds=seconds,
                                output_bytes=output_bytes)))
        if self.observer is not None:
            self.observer.command_ended(origin, judgement.status, seconds, output_bytes)
        return Ran(command_id, judgement.status, judgement.ending, exit_code, seconds, judgement.message, tail)
