"""Writing and removing files in a folder that untrusted code can also write to.

Commands run in the workspace between two writes by the server, so anything in it may be a link to elsewhere, a
pipe, or a folder where a file belongs. Every step here goes through directory file descriptors with O_NOFOLLOW:
the server never follows a link out of the folder, never opens a pipe for writing, and replaces whatever stands
where the project needs a file or a folder.
"""

import os
import shutil
import stat
from collections.abc import Iterable

Owner = tuple[int, int] | None  # uid and gid the written files get; None: the server's own

_DIR = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC
_NEW_FILE = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC
_READ = os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC


def write_files(root: str | os.PathLike, files: dict[str, bytes], owner: Owner = None) -> None:
    """Write each file (a relative path with `/` separators) under `root`, creating folders as needed."""
    root_fd = os.open(root, _DIR)
    try:
        for path, data in files.items():
            *folders, name = path.split("/")
            folder = _open_folders(root_fd, folders, owner)
            try:
                _put(folder, name, data, owner)
            finally:
                if folder != root_fd:
                    os.close(folder)
    finally:
        os.close(root_fd)


def remove_files(root: str | os.PathLike, paths: Iterable[str]) -> None:
    """Remove these files under `root`, if they are still there; a path through a link is left alone."""
    root_fd = os.open(root, _DIR)
    try:
        for path in paths:
            *folders, name = path.split("/")
            try:
                folder = _walk(root_fd, folders)
            except OSError:
                continue
            try:
                _remove(folder, name)
            except FileNotFoundError:
                pass
            finally:
                if folder != root_fd:
                    os.close(folder)
    finally:
        os.close(root_fd)


def remove_tree(path: str | os.PathLike) -> None:
    """Remove a folder and everything in it, whatever permissions the commands left on what they made."""

    def writable_and_again(function, name, _):
        parent = os.path.dirname(name)
        os.chmod(parent, 0o700)
        if os.path.isdir(name) and not os.path.islink(name):
            os.chmod(name, 0o700)
        function(name)

    if os.path.lexists(path):
        shutil.rmtree(path, onerror=writable_and_again)


def _walk(root_fd: int, folders: list[str]) -> int:
    fd = root_fd
    for part in folders:
        next_fd = os.open(part, _DIR, dir_fd=fd)
        if fd != root_fd:
            os.close(fd)
        fd = next_fd
    return fd


def _open_folders(root_fd: int, folders: list[str], owner: Owner) -> int:
    fd = root_fd
    for part in folders:
        try:
            next_fd = os.open(part, _DIR, dir_fd=fd)
        except FileNotFoundError:
            next_fd = _make_folder(fd, part, owner)
        except OSError:  # a file, a link or a pipe stands where the project has a folder
            _remove(fd, part)
            next_fd = _make_folder(fd, part, owner)
        if fd != root_fd:
            os.close(fd)
        fd = next_fd
    return fd


def _make_folder(parent: int, name: str, owner: Owner) -> int:
    os.mkdir(name, 0o755, dir_fd=parent)
    fd = os.open(name, _DIR, dir_fd=parent)
    if owner is not None:
        os.fchown(fd, *owner)
    return fd


def _put(folder: int, name: str, data: bytes, owner: Owner) -> None:
    if _holds(folder, name, data):
        return
    try:
        _remove(folder, name)
    except FileNotFoundError:
        pass
    fd = os.open(name, _NEW_FILE, 0o644, dir_fd=folder)
    try:
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view):]
        if owner is not None:
            os.fchown(fd, *owner)
    finally:
        os.close(fd)


def _holds(folder: int, name: str, data: bytes) -> bool:
    """The file is there, a regular file, with exactly these bytes: rewriting it would only change its time."""
    try:
        info = os.stat(name, dir_fd=folder, follow_symlinks=False)
        if not stat.S_ISREG(info.st_mode) or info.st_size != len(data):
            return False
        fd = os.open(name, _READ, dir_fd=folder)
    except OSError:
        return False
    try:
        return os.read(fd, len(data) + 1) == data
    finally:
        os.close(fd)


def _remove(folder: int, name: str) -> None:
    info = os.stat(name, dir_fd=folder, follow_symlinks=False)
    if stat.S_ISDIR(info.st_mode):
        shutil.rmtree(name, dir_fd=folder)
    else:
        os.unlink(name, dir_fd=folder)
