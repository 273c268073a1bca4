"""A command's processes as seen from the host: which they are, how much memory they hold, and signals to them."""

import os
import signal
from collections.abc import Callable, Iterable

Members = Callable[[], list[int]]


def _pids() -> Iterable[int]:
    for entry in os.scandir("/proc"):
        if entry.name.isdigit():
            yield int(entry.name)


def in_pid_namespace(inode: int) -> list[int]:
    """Host pids of the processes in the pid namespace with this inode (a bubblewrap sandbox)."""
    found = []
    for pid in _pids():
        try:
            if os.stat(f"/proc/{pid}/ns/pid").st_ino == inode:
                found.append(pid)
        except OSError:  # it ended meanwhile
            continue
    return found


def in_session(session: int) -> list[int]:
    found = []
    for pid in _pids():
        try:
            if os.getsid(pid) == session:
                found.append(pid)
        except OSError:
            continue
    return found


def inner_pid(pid: int) -> int | None:
    """The pid a process has in its own (innermost) pid namespace."""
    try:
        with open(f"/proc/{pid}/status") as status:
            for line in status:
                if line.startswith("NSpid:"):
                    return int(line.split()[-1])
    except (OSError, ValueError):
        return None
    return None


def memory_bytes(pids: Iterable[int]) -> int:
    """The memory the processes hold together: each one's proportional set size, so pages that forked processes
    share count once, not once per process."""
    total = 0
    for pid in pids:
        try:
            with open(f"/proc/{pid}/smaps_rollup") as rollup:
                for line in rollup:
                    if line.startswith("Pss:"):
                        total += int(line.split()[1]) * 1024
                        break
        except (OSError, ValueError, IndexError):  # it ended meanwhile, or is a zombie without memory
            continue
    return total


def send(pids: Iterable[int], sig: int) -> None:
    for pid in pids:
        try:
            os.kill(pid, sig)
        except OSError:
            continue


def send_group(group: int, sig: int) -> bool:
    try:
        os.killpg(group, sig)
        return True
    except OSError:
        return False


SIGNAL_NAMES = {number: signal.Signals(number).name for number in signal.valid_signals()
                if number in signal.Signals._value2member_map_}
