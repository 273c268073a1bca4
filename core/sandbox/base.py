"""What the engine hands a sandbox (a job and a sink for its output) and what it gets back (a process to interrupt,
stop and wait for, and how it exited)."""

from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from core.domain.status import CommandEnd

# What a command inside sees as its folder, whichever sandbox runs it.
WORKSPACE = "/workspace"
INTERRUPT_GRACE_S = 2.0  # after SIGINT, the process group gets SIGKILL if it is still there


@dataclass(frozen=True)
class Limits:
    wall_s: float = 300.0
    cpu_s: int = 300  # per process
    memory_bytes: int = 1 << 30  # per process (address space), and all of a command's processes together (in use)
    processes: int = 64
    file_bytes: int = 64 << 20  # the largest file a command may write
    tmp_bytes: int = 256 << 20  # its private /tmp
    open_files: int = 1024

    def prlimit(self) -> list[str]:
        """util-linux's prlimit, setting each limit before the command starts. The CPU limit's soft value sends
        SIGXCPU, which says why a process ended; the hard one, a few seconds on, kills one that ignores it."""
        return ["prlimit", f"--nproc={self.processes}", f"--as={self.memory_bytes}",
                f"--cpu={self.cpu_s}:{self.cpu_s + 5}",
                f"--fsize={self.file_bytes}", f"--nofile={self.open_files}", "--core=0", "--"]


@dataclass(frozen=True)
class Job:
    command: str  # a command line for /bin/sh, which runs inside the sandbox
    workspace: Path  # on the host: the only place the command can write to (it sees it as WORKSPACE)
    key: str  # the run the job belongs to: a run's jobs run as the same user, other runs' as others
    env: dict[str, str] = field(default_factory=dict)  # added to the sandbox's own minimal environment
    read_only: dict[str, Path] = field(default_factory=dict)  # inside path -> host folder, shown read-only


@dataclass(frozen=True)
class Exit:
    code: int | None  # the exit status, when it exited
    signal: int | None  # the signal that killed it, when one did
    seconds: float
    stopped: CommandEnd | None = None  # why the supervisor ended it, when it did


class Sink(Protocol):
    def write(self, data: bytes) -> bool:
        """Output as the command printed it, from the reader thread; False: stop the command (output limit)."""


class Process(Protocol):
    def interrupt(self) -> None:
        """SIGINT to the command's process group now, SIGKILL INTERRUPT_GRACE_S later if it is still running."""

    def stop(self, why: CommandEnd) -> None:
        """SIGKILL to everything the command started, now."""

    async def wait(self) -> Exit: ...


class Sandbox(Protocol):
    sandboxed: bool

    def check(self) -> str | None:
        """Whether commands can run here (blocking, once at start-up): None, or a sentence saying how to make it
        possible."""

    def problem(self) -> str | None:
        """What check() found."""

    def owner(self, key: str) -> tuple[int, int] | None:
        """The user and group the workspace of `key` must belong to; None: the server's own."""

    def start(self, job: Job, sink: Sink) -> Process: ...
