"""Commands straight on the host, in the run's workspace: for machines where bubblewrap cannot run, and only when
BOTARMY_SANDBOX=none says so. The command sees everything the server's user can (files, network, processes); it
gets a minimal environment (no API key, no storage secret) and the limits of prlimit, which do not bound the
processes of root."""

from functools import partial

from .base import Job, Limits, Sink
from .bubblewrap import python_prefixes
from .processes import in_session
from .pty_process import PtyProcess


class Unsandboxed:
    sandboxed = False

    def __init__(self, limits: Limits) -> None:
        self.limits = limits
        self.prefixes = python_prefixes()

    def check(self) -> str | None:
        return None

    def problem(self) -> str | None:
        return None

    def owner(self, key: str) -> tuple[int, int] | None:
        return None

    def start(self, job: Job, sink: Sink) -> PtyProcess:
        path = [str(job.workspace / ".venv" / "bin"), *(f"{prefix}/bin" for prefix in self.prefixes),
                "/usr/local/bin", "/usr/bin", "/bin"]
        env = {"PATH": ":".join(path), "HOME": str(job.workspace), "LANG": "C.UTF-8", "TERM": "xterm-256color",
               **job.env}
        session: dict[str, int] = {}
        process = PtyProcess([*self.limits.prlimit(), "/bin/sh", "-c", job.command], env=env, cwd=str(job.workspace),
                             pass_fds=(), limits=self.limits, sink=sink, members=partial(_members, session),
                             group=partial(session.get, "id"))
        session["id"] = process.process.pid  # a session of its own, whose id is its first process's pid
        return process


def _members(session: dict[str, int]) -> list[int]:
    return in_session(session["id"]) if "id" in session else []

