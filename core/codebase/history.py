"""A project's files as a real git repository (dulwich), rebuilt from the run's log whenever it is needed.

The log is the truth, so building is deterministic: a commit's id follows only from what the log gives (author,
committer, time and time zone, message, the files' bytes) and the commits before it. No wall clock, no user or
system git configuration, trees sorted as git sorts them, one file mode for every file. The same steps give the same
ids on every machine, after every restart.

Built in memory (a dulwich MemoryRepo) to read ids, trees and diffs fast; written to a directory as a normal
repository with its work tree checked out; or zipped, `.git` included, so `git log` works where it is unpacked.
"""

import io
import os
import stat
import tempfile
import zipfile
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

from dulwich.index import build_index_from_tree, commit_tree
from dulwich.object_store import MemoryObjectStore, commit_tree_changes
from dulwich.objects import Blob, Commit, ShaFile, Tree
from dulwich.pack import write_pack
from dulwich.refs import check_ref_format
from dulwich.repo import MemoryRepo, Repo

from .paths import project_path

FILE_MODE = 0o100644  # every file is a plain, non-executable file: modes are not part of what the log records
DEFAULT_BRANCH = "main"
_MAX_TIMEZONE_S = 14 * 3600
_IDENTITY_FORBIDDEN = str.maketrans("", "", "<>\n\r\0")

_TreeChange = tuple[bytes, int | None, bytes | None]

BAD_PATH = "The path {path!r} cannot be in the project."
TWICE = "Two changes of one commit name the same file {path}."
FILE_AND_FOLDER = "{path} cannot be both a file and a folder."
BAD_TIME = "A commit's time must be whole seconds since 1970 and its time zone whole minutes within 14 hours of UTC."
BAD_TAG = "{name!r} is not a name git accepts for a tag."
BAD_BRANCH = "{name!r} is not a name git accepts for a branch."
TAG_MOVED = "Revision {revision} is already tagged at another commit."
NO_COMMIT = "There is no commit {commit} to tag."
NO_REVISION = "There is no revision {revision}."
UNKNOWN_REF = "There is no commit or tag {ref!r} in the history."
EMPTY = "The history has no commit yet."
NOT_EMPTY = "{directory} is not empty: a repository is only written into a new folder."
BAD_FOLDER = "{folder!r} cannot be the zip's top folder."


class HistoryError(ValueError):
    """What the caller gave cannot become a commit, a tag or a repository; the message says why."""


@dataclass(frozen=True)
class Signature:
    name: str
    email: str


@dataclass(frozen=True)
class Step:
    """One commit's worth of the log: who, when, why, and the files it writes (bytes) or deletes (None)."""
    author: Signature
    message: str
    time: int  # seconds since 1970, from the log: never the wall clock
    changes: Mapping[str, bytes | None]
    timezone: int = 0  # seconds east of UTC
    committer: Signature | None = None  # the author when not given


@dataclass(frozen=True)
class Tag:
    revision: int
    commit: int  # the place of the step in the history, from 0
    name: str = ""  # revision_tag(revision) when not given


@dataclass(frozen=True)
class CommitInfo:
    id: str
    parent: str | None
    author: Signature
    time: int
    timezone: int
    message: str
    changed: tuple[str, ...]  # paths written or deleted, sorted


def revision_tag(revision: int) -> str:
    return f"revision-{revision}"


class History:
    """The commits and tags of one project, in memory."""

    def __init__(self, branch: str = DEFAULT_BRANCH):
        if not check_ref_format(f"refs/heads/{branch}".encode()):
            raise HistoryError(BAD_BRANCH.format(name=branch))
        self.branch = branch
        self.repository = MemoryRepo()  # dulwich's objects and refs, for push and diff in this package
        self.repository.refs.set_symbolic_ref(b"HEAD", f"refs/heads/{branch}".encode())
        self._tree: bytes | None = None  # the last commit's tree
        self._files: dict[bytes, bytes] = {}  # path -> blob id, as of the last commit
        self._folders: Counter[bytes] = Counter()  # folder -> files under it, as of the last commit
        self._commits: list[CommitInfo] = []
        self._tags: dict[int, tuple[str, int]] = {}  # revision -> (name, commit place)

    @classmethod
    def build(cls, steps: Iterable[Step], tags: Iterable[Tag] = (), branch: str = DEFAULT_BRANCH) -> "History":
        history = cls(branch)
        for step in steps:
            history.commit(step)
        for tag in tags:
            history.tag(tag.revision, tag.commit, tag.name)
        return history

    # --- growing it -------------------------------------------------------------------------------------------------

    def commit(self, step: Step) -> str:
        """Commits the step on top of the last one; its id."""
        _check_time(step)
        changed, tree_changes = self._apply(step.changes)
        # Only the folders on the changed paths are built again: the others keep their tree objects.
        self._tree = commit_tree_changes(self.repository.object_store, self._tree or Tree(), tree_changes)
        parent = self._commits[-1].id if self._commits else None
        commit = _commit(self._tree, parent, step)
        self.repository.object_store.add_object(commit)
        commit_id = commit.id.decode()
        self.repository.refs[f"refs/heads/{self.branch}".encode()] = commit.id
        self._commits.append(CommitInfo(commit_id, parent, step.author, step.time, step.timezone,
                                        _message(step.message), changed))
        return commit_id

    def _apply(self, changes: Mapping[str, bytes | None]) -> tuple[tuple[str, ...], list[_TreeChange]]:
        """Writes the changes into the current files (all or none): the paths, normalised and sorted, and the changes
        of the tree (path, mode, blob; None and None for a deletion)."""
        normalised: dict[str, bytes | None] = {}
        for raw, data in changes.items():
            path = project_path(raw)
            if path is None:
                raise HistoryError(BAD_PATH.format(path=raw))
            if path in normalised:
                raise HistoryError(TWICE.format(path=path))
            normalised[path] = data
        files, folders = dict(self._files), self._folders.copy()
        tree_changes: list[_TreeChange] = []
        for path in sorted(path for path, data in normalised.items() if data is None):
            if files.pop(path.encode(), None) is not None:
                folders.subtract(_parents(path.encode()))
                tree_changes.append((path.encode(), None, None))
        for path, data in sorted((path, data) for path, data in normalised.items() if data is not None):
            key = path.encode()
            if key not in files:
                clash = [parent for parent in _parents(key) if parent in files] + ([key] if folders[key] > 0 else [])
                if clash:
                    raise HistoryError(FILE_AND_FOLDER.format(path=clash[0].decode()))
                folders.update(_parents(key))
            blob = Blob.from_string(bytes(data))
            if blob.id not in self.repository.object_store:
                self.repository.object_store.add_object(blob)
            if files.get(key) != blob.id:
                files[key] = blob.id
                tree_changes.append((key, FILE_MODE, blob.id))
        self._files, self._folders = files, +folders
        return tuple(sorted(normalised)), tree_changes

    def tag(self, revision: int, commit: int | None = None, name: str = "") -> str:
        """Tags a commit (the last one when not given) as the revision; the tag's name."""
        place = len(self._commits) - 1 if commit is None else commit
        if not 0 <= place < len(self._commits):
            raise HistoryError(NO_COMMIT.format(commit=place))
        name = name or revision_tag(revision)
        if not check_ref_format(f"refs/tags/{name}".encode()):
            raise HistoryError(BAD_TAG.format(name=name))
        if self._tags.get(revision, (name, place)) != (name, place) or \
                any(other == name and revision != number for number, (other, _) in self._tags.items()):
            raise HistoryError(TAG_MOVED.format(revision=revision))
        self._tags[revision] = (name, place)
        self.repository.refs[f"refs/tags/{name}".encode()] = self._commits[place].id.encode()
        return name

    # --- reading it -------------------------------------------------------------------------------------------------

    @property
    def commits(self) -> tuple[CommitInfo, ...]:
        return tuple(self._commits)

    @property
    def head(self) -> str | None:
        return self._commits[-1].id if self._commits else None

    @property
    def tags(self) -> dict[int, str]:
        """Revision -> the commit id its tag points at."""
        return {revision: self._commits[place].id for revision, (_, place) in sorted(self._tags.items())}

    def tag_name(self, revision: int) -> str:
        if revision not in self._tags:
            raise HistoryError(NO_REVISION.format(revision=revision))
        return self._tags[revision][0]

    def revision_commit(self, revision: int) -> str:
        if revision not in self._tags:
            raise HistoryError(NO_REVISION.format(revision=revision))
        return self._commits[self._tags[revision][1]].id

    def resolve(self, ref: str | None = None) -> str:
        """The commit id a ref names: a commit id, a tag's name, or the last commit when None."""
        if ref is None:
            if self.head is None:
                raise HistoryError(EMPTY)
            return self.head
        for name, place in self._tags.values():
            if name == ref:
                return self._commits[place].id
        if any(commit.id == ref for commit in self._commits):
            return ref
        raise HistoryError(UNKNOWN_REF.format(ref=ref))

    def files(self, ref: str | None = None) -> dict[str, bytes]:
        """The project's files at a commit or tag (the last commit when None), by path, sorted."""
        store = self.repository.object_store
        tree = store[self.resolve(ref).encode()].tree
        return {entry.path.decode(): store[entry.sha].data for entry in store.iter_tree_contents(tree)}

    # --- writing it out ---------------------------------------------------------------------------------------------

    def write(self, directory: str | os.PathLike, revision: int | None = None) -> Path:
        """A normal repository in `directory` (new or empty): the history up to the revision (all of it when None),
        the branch and the tags up to there, and the work tree checked out at its last commit."""
        head = self.revision_commit(revision) if revision is not None else self.resolve()
        last = next(place for place, commit in enumerate(self._commits) if commit.id == head)
        directory = Path(directory)
        if directory.exists() and any(directory.iterdir()):
            raise HistoryError(NOT_EMPTY.format(directory=directory))
        directory.mkdir(parents=True, exist_ok=True)
        # Passing the branch and symlinks keeps dulwich from reading the user's or the system's git configuration.
        with Repo.init(str(directory), default_branch=self.branch.encode(), symlinks=False) as repo:
            # One pack written straight from the objects: dulwich's add_pack_data re-reads and indexes what it was
            # given, ten times slower. A pack is named after its checksum, known once it is written.
            pack_folder = Path(repo.controldir()) / "objects" / "pack"
            checksum, _ = write_pack(str(pack_folder / "incoming"), self._reachable(last), repo.object_format)
            for suffix in (".pack", ".idx"):
                (pack_folder / f"incoming{suffix}").rename(pack_folder / f"pack-{checksum.hex()}{suffix}")
            repo.refs[f"refs/heads/{self.branch}".encode()] = head.encode()
            for name, place in self._tags.values():
                if place <= last:
                    repo.refs[f"refs/tags/{name}".encode()] = self._commits[place].id.encode()
            tree = self.repository.object_store[head.encode()].tree
            build_index_from_tree(repo.path, repo.index_path(), repo.object_store, tree)
        return directory

    def _reachable(self, last: int) -> list[ShaFile]:
        """The objects of the commits up to `last`: each commit, its trees and blobs, once."""
        store = self.repository.object_store
        found: dict[bytes, ShaFile] = {}
        for info in self._commits[:last + 1]:
            commit = store[info.id.encode()]
            found[commit.id] = commit
            trees = [commit.tree]
            while trees:
                tree_id = trees.pop()
                if tree_id in found:
                    continue  # an unchanged folder: everything under it is found already
                found[tree_id] = tree = store[tree_id]
                for entry in tree.iteritems():
                    if stat.S_ISDIR(entry.mode):
                        trees.append(entry.sha)
                    elif entry.sha not in found:
                        found[entry.sha] = store[entry.sha]
        return list(found.values())

    def zip(self, folder: str, revision: int | None = None) -> bytes:
        """The project at the revision (the last commit when None) in one top folder, its `.git` included."""
        if project_path(folder) != folder or "/" in folder:
            raise HistoryError(BAD_FOLDER.format(folder=folder))
        buffer = io.BytesIO()
        with tempfile.TemporaryDirectory(prefix="botarmy-zip-") as scratch, \
                zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
            root = self.write(Path(scratch) / folder, revision)
            for path in sorted(root.rglob("*")):
                archive.write(path, f"{folder}/{path.relative_to(root).as_posix()}")
        return buffer.getvalue()


def commit_id(files: Mapping[str, bytes], parent: str | None, step: Step) -> str:
    """The id the step gets when committed on `parent`, where it leaves the project's files as `files` (all of them,
    by path): what History.commit gives, computed from the files alone, without the history before it."""
    _check_time(step)
    store = MemoryObjectStore()
    entries = []
    for raw, data in files.items():
        path = project_path(raw)
        if path is None:
            raise HistoryError(BAD_PATH.format(path=raw))
        blob = Blob.from_string(bytes(data))
        store.add_object(blob)
        entries.append((path.encode(), blob.id, FILE_MODE))
    return _commit(commit_tree(store, entries), parent, step).id.decode()


def _check_time(step: Step) -> None:
    if not isinstance(step.time, int) or step.time < 0 or not isinstance(step.timezone, int) \
            or step.timezone % 60 or abs(step.timezone) > _MAX_TIMEZONE_S:
        raise HistoryError(BAD_TIME)


def _commit(tree: bytes, parent: str | None, step: Step) -> Commit:
    commit = Commit()
    commit.tree = tree
    commit.parents = [parent.encode()] if parent else []
    commit.author = _identity(step.author)
    commit.committer = _identity(step.committer or step.author)
    commit.author_time = commit.commit_time = step.time
    commit.author_timezone = commit.commit_timezone = step.timezone
    commit.message = _message(step.message).encode("utf-8", "replace")
    return commit


def _parents(path: bytes) -> list[bytes]:
    parts = path.split(b"/")
    return [b"/".join(parts[:end]) for end in range(1, len(parts))]


def _identity(signature: Signature) -> bytes:
    name = " ".join(signature.name.translate(_IDENTITY_FORBIDDEN).split()) or "BotArmy"
    email = "".join(signature.email.translate(_IDENTITY_FORBIDDEN).split())
    return f"{name} <{email}>".encode("utf-8", "replace")


def _message(text: str) -> str:
    lines = text.replace("\r\n", "\n").replace("\0", "").rstrip().split("\n")
    return "\n".join(line.rstrip() for line in lines) + "\n"
