"""A zip of an existing project, read as hostile input: nothing is extracted to disk, nothing is trusted.

The zip's size, its number of files and their total size are checked from the central directory before anything is
decompressed, and again while reading, by the bytes actually decompressed: a zip bomb whose headers lie is stopped
when it passes what they said. A path that leaves the project refuses the whole zip; links, devices, pipes,
encrypted files and files too large are left out, one sentence each. `.git` folders (BotArmy keeps its own history)
and macOS's `__MACOSX` metadata are dropped. Secrets files and binary files are kept, but marked never to be sent to
the model. One top folder common to every file (as GitHub's zips have) is taken off.
"""

import io
import re
import stat
import unicodedata
import zipfile
import zlib
from dataclasses import dataclass
from enum import StrEnum

from .content import Withheld, withheld
from .paths import is_git_folder, project_path

MB = 1024 * 1024
_READ_CHUNK = 64 * 1024
_SUPPORTED = (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED, zipfile.ZIP_BZIP2, zipfile.ZIP_LZMA)
# Deflate never grows data by more than 5 bytes per 16 KB block (plus a little): a compressed size beyond this
# bound belongs to a file larger than its header says.
_DEFLATE_GROWTH = 1.01
_DRIVE = re.compile(r"^[A-Za-z]:")

# Why the whole zip is refused: one sentence each, for the user.
TOO_BIG = "The zip is {size}; at most {limit} is accepted."
NOT_A_ZIP = "The file is not a zip archive, or it is damaged."
NO_FILES = "The zip holds no files to import."
NOTHING_LEFT = "None of the zip's files can be imported: each is a link, too large, or in a folder left out."
TOO_MANY = "The zip holds {count:,} files; at most {limit:,} are accepted."
TOO_LARGE_IN_ALL = "The zip's files add up to {size} uncompressed; at most {limit} is accepted."
OUTSIDE = "The zip holds a path that leads outside the project ({name}); nothing was imported."
DUPLICATE = "The zip holds two files named {path}; nothing was imported."
FILE_AND_FOLDER = "The zip holds {path} both as a file and as a folder; nothing was imported."
LYING = ("{path} holds more data than the zip's header says: the zip is damaged or built to fill the disk; "
         "nothing was imported.")
DAMAGED = "{path} cannot be read from the zip (it is damaged); nothing was imported."

# What was left out or kept from the model: one sentence per file (or folder), for the user.
SKIPPED = {
    "git": "The git folder {path} was left out: BotArmy keeps the project's own history.",
    "macos": "The macOS metadata folder {path} was left out.",
    "symlink": "{path} is a symbolic link; it was left out.",
    "special": "{path} is a device, pipe or socket, not a file; it was left out.",
    "encrypted": "{path} is encrypted; it was left out.",
    "compression": "{path} is compressed in a way BotArmy cannot read; it was left out.",
    "too_large": "{path} is {size}; files over {limit} are left out.",
    "bad_name": "A file whose name cannot be used ({path}) was left out.",
}
WITHHELD = {
    Withheld.SECRET: "{path} looks like a secrets file: it is kept in the project but never sent to the model.",
    Withheld.BINARY: "{path} is a binary file: it is kept in the project but never sent to the model.",
}


class Skip(StrEnum):
    GIT = "git"
    MACOS = "macos"
    SYMLINK = "symlink"
    SPECIAL = "special"
    ENCRYPTED = "encrypted"
    COMPRESSION = "compression"
    TOO_LARGE = "too_large"
    BAD_NAME = "bad_name"


class ImportRefused(Exception):
    """The whole zip is refused; the message is one sentence for the user."""


@dataclass(frozen=True)
class ImportLimits:
    zip_bytes: int = 20 * MB
    files: int = 2_000
    total_bytes: int = 100 * MB
    file_bytes: int = 5 * MB


@dataclass(frozen=True)
class Note:
    path: str
    reason: Skip | Withheld
    sentence: str


@dataclass(frozen=True)
class ImportedProject:
    files: dict[str, bytes]  # path -> bytes, sorted
    withheld: frozenset[str]  # kept, but never sent to the model
    notes: tuple[Note, ...]  # what was left out or withheld, and why


@dataclass(frozen=True)
class _Member:
    info: zipfile.ZipInfo
    path: str


def too_big(size: int, limits: ImportLimits = ImportLimits()) -> str | None:
    """Why a zip of `size` bytes is refused before it is read (a page says it before the zip is even sent), or
    None."""
    return TOO_BIG.format(size=_size(size), limit=_size(limits.zip_bytes)) if size > limits.zip_bytes else None


def read_project_zip(data: bytes, limits: ImportLimits = ImportLimits()) -> ImportedProject:
    """The project a zip holds, or ImportRefused with the sentence that says why not."""
    if refusal := too_big(len(data), limits):
        raise ImportRefused(refusal)
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, EOFError, OSError):
        raise ImportRefused(NOT_A_ZIP) from None
    with archive:
        skipped: list[tuple[str, Skip, int]] = []  # path, why, size
        members, declared = _members(archive.infolist(), limits, skipped)
        if len(members) > limits.files:
            raise ImportRefused(TOO_MANY.format(count=len(members), limit=limits.files))
        if declared > limits.total_bytes:
            raise ImportRefused(TOO_LARGE_IN_ALL.format(size=_size(declared), limit=_size(limits.total_bytes)))
        if not members:
            raise ImportRefused(NOTHING_LEFT if skipped else NO_FILES)
        top = _top_folder(members)
        members = [_Member(member.info, member.path.removeprefix(top)) for member in members]
        _check_unique(members)
        files = {member.path: _read(archive, member) for member in members}
    notes = []
    for path, reason, size in skipped:
        path = path.removeprefix(top)
        notes.append(Note(path, reason, SKIPPED[reason].format(path=path, size=_size(size),
                                                               limit=_size(limits.file_bytes))))
    kept_back = set()
    for path, content in sorted(files.items()):
        if reason := withheld(path, content):
            kept_back.add(path)
            notes.append(Note(path, reason, WITHHELD[reason].format(path=path)))
    return ImportedProject(dict(sorted(files.items())), frozenset(kept_back), tuple(notes))


def _members(infos: list[zipfile.ZipInfo], limits: ImportLimits,
             skipped: list[tuple[str, Skip, int]]) -> tuple[list[_Member], int]:
    """The entries worth reading, with their project paths, and the uncompressed size the headers declare for the
    files (those too large to keep included: a bomb's one huge file refuses the zip); what is left out is noted."""
    members, declared = [], 0
    dropped_folders: set[str] = set()
    for info in infos:
        name = _name(info)
        parts = [part for part in re.split(r"[/\\]", name) if part not in ("", ".")]
        if name.startswith(("/", "\\")) or _DRIVE.match(name) or ".." in parts:
            raise ImportRefused(OUTSIDE.format(name=_shown(name)))
        if info.is_dir() or name.endswith("\\") or not parts:
            continue
        if folder := _dropped_folder(parts):
            kind = Skip.MACOS if folder.split("/")[-1] == "__MACOSX" else Skip.GIT
            if folder not in dropped_folders:
                dropped_folders.add(folder)
                skipped.append((folder, kind, 0))
            continue
        path = project_path("/".join(parts))
        skip = Skip.BAD_NAME if path is None else _unreadable(info)
        if skip is None:
            declared += info.file_size
            if info.file_size > limits.file_bytes:
                skip = Skip.TOO_LARGE
        if skip is not None:
            skipped.append((path or _shown(name), skip, info.file_size))
            continue
        members.append(_Member(info, path))
    return members, declared


def _name(info: zipfile.ZipInfo) -> str:
    """The entry's name as Unicode (NFC). Without the UTF-8 flag zipfile reads names as cp437; many tools write
    UTF-8 without setting it, so a name that is valid UTF-8 is read as UTF-8."""
    name = info.filename
    if not info.flag_bits & 0x800:
        try:
            name = name.encode("cp437").decode("utf-8")
        except (UnicodeEncodeError, UnicodeDecodeError):
            pass
    return unicodedata.normalize("NFC", name)


def _dropped_folder(parts: list[str]) -> str | None:
    """The `.git` or `__MACOSX` folder the entry is in, or None."""
    for depth, part in enumerate(parts[:-1]):
        if is_git_folder(part) or part == "__MACOSX":
            return "/".join(parts[:depth + 1])
    return None


def _unreadable(info: zipfile.ZipInfo) -> Skip | None:
    kind = stat.S_IFMT(info.external_attr >> 16)
    if kind == stat.S_IFLNK:
        return Skip.SYMLINK
    if kind not in (0, stat.S_IFREG):
        return Skip.SPECIAL
    if info.flag_bits & 0x1:
        return Skip.ENCRYPTED
    if info.compress_type not in _SUPPORTED:
        return Skip.COMPRESSION
    return None


def _top_folder(members: list[_Member]) -> str:
    """The one folder every file is in, with its slash (as GitHub's zips have), or ""."""
    tops = {member.path.split("/", 1)[0] for member in members}
    return f"{tops.pop()}/" if len(tops) == 1 and all("/" in member.path for member in members) else ""


def _check_unique(members: list[_Member]) -> None:
    paths = set()
    for member in members:
        if member.path in paths:
            raise ImportRefused(DUPLICATE.format(path=member.path))
        paths.add(member.path)
    for path in paths:
        parts = path.split("/")
        for end in range(1, len(parts)):
            if "/".join(parts[:end]) in paths:
                raise ImportRefused(FILE_AND_FOLDER.format(path="/".join(parts[:end])))


def _read(archive: zipfile.ZipFile, member: _Member) -> bytes:
    """The member's bytes, counted as they are decompressed: never more than its header said (so never more than
    the limits, which were checked against the headers)."""
    info = member.info
    if info.compress_type == zipfile.ZIP_DEFLATED and info.compress_size > info.file_size * _DEFLATE_GROWTH + 64:
        raise ImportRefused(LYING.format(path=member.path))
    chunks, count = [], 0
    try:
        with archive.open(info) as stream:
            while chunk := stream.read(_READ_CHUNK):
                count += len(chunk)
                if count > info.file_size:
                    raise ImportRefused(LYING.format(path=member.path))
                chunks.append(chunk)
    except (zipfile.BadZipFile, zlib.error, EOFError, OSError, ValueError, NotImplementedError, RuntimeError):
        raise ImportRefused(DAMAGED.format(path=member.path)) from None
    if count != info.file_size:
        raise ImportRefused(DAMAGED.format(path=member.path))
    return b"".join(chunks)


def _shown(name: str) -> str:
    """A hostile name made safe to show in a sentence: control characters escaped, its length capped."""
    shown = "".join(char if char.isprintable() else f"\\x{ord(char):02x}" for char in name)
    return shown if len(shown) <= 120 else shown[:117] + "…"


def _size(count: int) -> str:
    for unit, size in (("GB", 1024 ** 3), ("MB", MB), ("KB", 1024)):
        if count >= size:
            value = count / size
            return f"{value:.0f} {unit}" if value >= 10 or value == int(value) else f"{value:.1f} {unit}"
    return f"{count:,} bytes"
