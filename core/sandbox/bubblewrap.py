"""The default sandbox: bubblewrap (Debian's `bubblewrap`).

Inside: no network (a network namespace of its own), a pid namespace (its own /proc: no other process, no
server's environment), the system's programs read-only (/usr and a few files of /etc, nothing of /root, /home or
the data directory), the Python that runs BotArmy read-only at its own path (only its prefix), the run's
workspace as the one writable folder, a private /tmp, a minimal environment, and limits set by prlimit before
the command starts.

Run as root, the sandbox runs each run's commands as a user of their own (a uid no account on the host has), so
the limit on processes holds (root is exempt from it) and a command owns nothing of the host's. Run as another
user, bubblewrap makes a user namespace instead and the command keeps that user's identity.
"""

import hashlib
import json
import os
import subprocess
import sys
import tempfile
import threading
from functools import partial
from pathlib import Path

from .base import WORKSPACE, Job, Limits, Sink
from .processes import in_pid_namespace, inner_pid
from .pty_process import PtyProcess

NOT_INSTALLED = ("Commands cannot run: bubblewrap, the sandbox they run in, is not installed on the server. Install "
                 "it (on Debian: apt-get install bubblewrap), or set BOTARMY_SANDBOX=none to run commands without a "
                 "sandbox.")
CANNOT_START = ("Commands cannot run: bubblewrap, the sandbox they run in, cannot start on this server ({reason}). "
                "Allow unprivileged user namespaces (sysctl kernel.unprivileged_userns_clone=1) or run BotArmy as "
                "root, or set BOTARMY_SANDBOX=none to run commands without a sandbox.")
UID_BASE = 2_000_000_000  # sandbox users: far above any account's uid
UID_SPAN = 1 << 20
_ETC = ("alternatives", "ld.so.cache", "ld.so.conf", "ld.so.conf.d", "localtime", "ssl", "ca-certificates",
        "mime.types", f"python{sys.version_info.major}.{sys.version_info.minor}")
_TOP_LEVEL = ("bin", "sbin", "lib", "lib32", "lib64", "libx32")


def python_prefixes() -> list[Path]:
    """The folders of the Python that runs BotArmy (and so has pytest), where /usr does not already show them.

    Never a folder that holds the home directory (a Python installed with `--prefix ~` would show ~/.ssh) or /."""
    prefixes = {Path(sys.base_prefix).resolve(), Path(sys.prefix).resolve()}
    return sorted(prefix for prefix in prefixes
                  if not prefix.is_relative_to("/usr") and not Path.home().resolve().is_relative_to(prefix))


class Bubblewrap:
    sandboxed = True

    def __init__(self, limits: Limits, executable: str = "bwrap", uid_base: int = UID_BASE) -> None:
        self.limits = limits
        self.executable = executable
        self.uid_base = uid_base
        self.as_root = os.geteuid() == 0
        self.prefixes = python_prefixes()
        self._problem: str | None = None

    def problem(self) -> str | None:
        return self._problem

    def check(self) -> str | None:
        try:
            with tempfile.TemporaryDirectory() as empty:
                done = subprocess.run(self._wrap(["/bin/true"], Path(empty), network=False, info_fd=None,
                                                 read_only={}),
                                      capture_output=True, text=True, timeout=30, env={}, check=False)
        except FileNotFoundError:
            self._problem = NOT_INSTALLED
        except (OSError, subprocess.TimeoutExpired) as error:
            self._problem = CANNOT_START.format(reason=type(error).__name__)
        else:
            reason = (done.stderr.strip().splitlines() or [f"exit code {done.returncode}"])[0]
            self._problem = None if done.returncode == 0 else CANNOT_START.format(reason=reason[:200])
        return self._problem

    def owner(self, key: str) -> tuple[int, int] | None:
        if not self.as_root:
            return None
        uid = self.uid_base + int.from_bytes(hashlib.sha256(key.encode()).digest()[:4], "big") % UID_SPAN
        return uid, uid

    def start(self, job: Job, sink: Sink) -> PtyProcess:
        info_read, info_write = os.pipe()
        account = os.memfd_create("passwd")
        owner = self.owner(job.key) or (os.getuid(), os.getgid())
        os.write(account, f"sandbox:x:{owner[0]}:{owner[1]}::{WORKSPACE}:/bin/sh\n".encode())
        groups = os.memfd_create("group")
        os.write(groups, f"sandbox:x:{owner[1]}:\n".encode())
        for fd in (account, groups):
            os.lseek(fd, 0, os.SEEK_SET)
        argv = self._wrap(self._inside(job), job.workspace, network=False, info_fd=info_write,
                          read_only=job.read_only, env=job.env, account=account, groups=groups)
        namespace: dict[str, int] = {}
        try:
            process = PtyProcess(argv, env={}, cwd=None, pass_fds=(info_write, account, groups), limits=self.limits,
                                 sink=sink, members=partial(_members, namespace),
                                 group=partial(_group, namespace))
        except BaseException:
            os.close(info_read)
            raise
        finally:
            for fd in (info_write, account, groups):
                os.close(fd)
        threading.Thread(target=_learn_namespace, args=(info_read, namespace), daemon=True,
                         name="sandbox-info").start()
        return process

    def _inside(self, job: Job) -> list[str]:
        """The command line inside: drop to the run's own user (as root), set the limits, then the shell."""
        drop: list[str] = []
        if self.as_root:
            uid, gid = self.owner(job.key)
            drop = ["setpriv", f"--reuid={uid}", f"--regid={gid}", "--clear-groups", "--inh-caps=-all",
                    "--bounding-set=-all", "--no-new-privs", "--"]
        return [*drop, *self.limits.prlimit(), "/bin/sh", "-c", job.command]

    def _wrap(self, command: list[str], workspace: Path, *, network: bool, info_fd: int | None,
              read_only: dict[str, Path], env: dict[str, str] | None = None, account: int | None = None,
              groups: int | None = None) -> list[str]:
        argv = [self.executable, "--die-with-parent", "--new-session", "--unshare-ipc", "--unshare-pid",
                "--unshare-uts", "--unshare-cgroup-try", "--hostname", "sandbox", "--clearenv"]
        if not network:
            argv.append("--unshare-net")
        if self.as_root:  # no user namespace: setpriv inside becomes the run's own user
            argv += ["--cap-add", "CAP_SETUID", "--cap-add", "CAP_SETGID"]
        else:
            argv += ["--unshare-user", "--disable-userns"]
        for name, value in {**self._environment(), **(env or {})}.items():
            argv += ["--setenv", name, value]
        argv += ["--ro-bind", "/usr", "/usr"]
        for name in _TOP_LEVEL:
            host = Path("/") / name
            if host.is_symlink():
                argv += ["--symlink", os.readlink(host), f"/{name}"]
            elif host.is_dir():
                argv += ["--ro-bind", str(host), f"/{name}"]
        argv += ["--dir", "/etc"]
        for name in _ETC:
            argv += ["--ro-bind-try", f"/etc/{name}", f"/etc/{name}"]
        if account is not None and groups is not None:
            argv += ["--perms", "0644", "--file", str(account), "/etc/passwd",
                     "--perms", "0644", "--file", str(groups), "/etc/group"]
        for prefix in self.prefixes:
            for parent in reversed(prefix.parents[:-1]):
                argv += ["--perms", "0755", "--dir", str(parent)]
            argv += ["--ro-bind", str(prefix), str(prefix)]
        for inside, host in read_only.items():
            argv += ["--ro-bind", str(host), inside]
        argv += ["--bind", str(workspace), WORKSPACE, "--chdir", WORKSPACE, "--proc", "/proc", "--dev", "/dev",
                 "--perms", "1777", "--size", str(self.limits.tmp_bytes), "--tmpfs", "/tmp",
                 "--perms", "1777", "--size", str(self.limits.tmp_bytes // 4), "--tmpfs", "/dev/shm",
                 "--remount-ro", "/"]
        if info_fd is not None:
            argv += ["--info-fd", str(info_fd)]
        return [*argv, "--", *command]

    def _environment(self) -> dict[str, str]:
        path = [f"{WORKSPACE}/.venv/bin", *(f"{prefix}/bin" for prefix in self.prefixes), "/usr/local/bin",
                "/usr/bin", "/bin"]
        return {"PATH": ":".join(path), "HOME": "/tmp", "TMPDIR": "/tmp", "LANG": "C.UTF-8", "TERM": "xterm-256color",
                "USER": "sandbox", "LOGNAME": "sandbox"}


def _learn_namespace(fd: int, namespace: dict[str, int]) -> None:
    """bubblewrap writes which namespaces it made once it made them, and closes the pipe (or just exits)."""
    chunks = []
    try:
        while chunk := os.read(fd, 4096):
            chunks.append(chunk)
    finally:
        os.close(fd)
    try:
        namespace["pid"] = int(json.loads(b"".join(chunks) or b"{}").get("pid-namespace", 0))
    except (ValueError, TypeError):
        pass


def _members(namespace: dict[str, int]) -> list[int]:
    return in_pid_namespace(namespace["pid"]) if namespace.get("pid") else []


def _group(namespace: dict[str, int]) -> int | None:
    """The command's process group: its first process, which bubblewrap made a session leader (pid 2 inside,
    after bubblewrap's own init)."""
    for pid in _members(namespace):
        if inner_pid(pid) == 2:
            return pid
    return None
