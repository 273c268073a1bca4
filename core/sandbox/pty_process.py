"""A command on a pseudo-terminal, supervised.

A terminal, not pipes: programs print colours and flush each line as they would for a person, and stdout and
stderr reach the reader in the order they were written. A reader thread copies the output to the job's sink as it
comes; a waiter thread waits for the process; the event loop enforces wall time and memory and carries out
interrupts (SIGINT to the process group, SIGKILL a little later) and stops (SIGKILL to every process).
"""

import asyncio
import fcntl
import os
import select
import signal
import struct
import subprocess
import termios
import threading
import time
from collections.abc import Callable

from core.domain.status import CommandEnd
from core.domain.screen import COLUMNS, ROWS

from .base import INTERRUPT_GRACE_S, Exit, Limits, Sink
from .processes import Members, memory_bytes, send, send_group

_CHECK_EVERY_S = 0.25
_READ_BYTES = 65536
_DRAIN_S = 5.0  # after the command ended, how long its output may still take to arrive


class PtyProcess:
    def __init__(self, argv: list[str], *, env: dict[str, str], cwd: str | None, pass_fds: tuple[int, ...],
                 limits: Limits, sink: Sink, members: Members, group: Callable[[], int | None]) -> None:
        """`members` lists the host pids of the command's processes; `group` names its process group, once known."""
        self._loop = asyncio.get_running_loop()
        self._limits, self._sink = limits, sink
        self._members, self._group = members, group
        self._stopped: CommandEnd | None = None
        self._exited = asyncio.Event()
        self._drained = threading.Event()
        self._closing = threading.Event()
        master, slave = os.openpty()
        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", ROWS, COLUMNS, 0, 0))
        self.started = time.monotonic()
        try:
            self.process = subprocess.Popen(
                argv, stdin=subprocess.DEVNULL, stdout=slave, stderr=slave, env=env, cwd=cwd, pass_fds=pass_fds,
                start_new_session=True, close_fds=True)
        except BaseException:
            os.close(master)
            raise
        finally:
            os.close(slave)
        self._master = master
        threading.Thread(target=self._read, name=f"command-output-{self.process.pid}", daemon=True).start()
        threading.Thread(target=self._await_exit, name=f"command-wait-{self.process.pid}", daemon=True).start()
        self._supervisor = asyncio.create_task(self._supervise())

    # --- threads ------------------------------------------------------------------------------------------

    def _read(self) -> None:
        try:
            while not self._closing.is_set():
                ready, _, _ = select.select([self._master], [], [], 0.2)
                if not ready:
                    continue
                try:
                    data = os.read(self._master, _READ_BYTES)
                except OSError:  # EIO: every holder of the terminal's other end is gone
                    break
                if not data:
                    break
                if not self._sink.write(data):
                    self._loop.call_soon_threadsafe(self.stop, CommandEnd.OUTPUT_LIMIT)
        finally:
            os.close(self._master)
            self._drained.set()

    def _await_exit(self) -> None:
        self.process.wait()
        self._loop.call_soon_threadsafe(self._exited.set)

    # --- the loop's side ----------------------------------------------------------------------------------

    async def _supervise(self) -> None:
        deadline = self.started + self._limits.wall_s
        while not self._exited.is_set():
            try:
                await asyncio.wait_for(self._exited.wait(), _CHECK_EVERY_S)
            except TimeoutError:
                pass
            if self._exited.is_set():
                break
            if time.monotonic() >= deadline:
                self.stop(CommandEnd.TIME_LIMIT)
            elif await asyncio.to_thread(self._memory) > self._limits.memory_bytes:
                self.stop(CommandEnd.MEMORY_LIMIT)
        send(self._members(), signal.SIGKILL)  # what it left running in the background goes with it

    def _memory(self) -> int:
        return memory_bytes(self._members())

    def interrupt(self) -> None:
        if self._exited.is_set():
            return
        self._stopped = self._stopped or CommandEnd.INTERRUPTED
        group = self._group()
        if group is None or not send_group(group, signal.SIGINT):
            send(self._members(), signal.SIGINT)
        self._loop.call_later(INTERRUPT_GRACE_S, self._kill)

    def stop(self, why: CommandEnd) -> None:
        if self._exited.is_set():
            return
        self._stopped = self._stopped or why
        self._kill()

    def _kill(self) -> None:
        if self._exited.is_set():
            return
        send([self.process.pid, *self._members()], signal.SIGKILL)

    async def wait(self) -> Exit:
        try:
            await asyncio.shield(self._supervisor)
            await asyncio.to_thread(self._drained.wait, _DRAIN_S)
        finally:
            self._closing.set()  # a holder of the terminal that escaped the kill must not keep the reader
        seconds = time.monotonic() - self.started
        code = self.process.returncode
        return Exit(code=code if code >= 0 else None, signal=-code if code < 0 else None, seconds=seconds,
                    stopped=self._stopped)
