"""The project of a run as its view holds it: the files as they stand, every commit, and each revision with what it
asked for and how it ended. Only the fold writes it (core.domain.revision_fold)."""

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import TypeVar

from .revision_events import RevisionOrigin
from .status import RunStatus, VerifyStatus


@dataclass
class ArtifactView:
    agent: str
    title: str
    filename: str
    content: str
    edited: bool = False  # the user edited it at an approval checkpoint


class FileChangeKind(StrEnum):
    """How a file changed (UI contract: diff-file data-change)."""

    ADDED = "added"
    MODIFIED = "modified"
    DELETED = "deleted"


@dataclass(frozen=True)
class FileView:
    content: str | bytes  # text, or the bytes of a file that is not UTF-8 text
    withheld: bool = False  # never sent to the model: a secrets file, or a binary one

    @property
    def binary(self) -> bool:
        return isinstance(self.content, bytes)

    @property
    def data(self) -> bytes:
        return self.content if isinstance(self.content, bytes) else self.content.encode()


# What a file holds, for telling whether it changed: a FileView compares by its content.
Content = TypeVar("Content", bytes, "FileView")


@dataclass(frozen=True)
class ChangedFile:
    path: str
    change: FileChangeKind


@dataclass
class CommitView:
    commit: str
    parent: str | None
    revision: int
    author: str  # the agent's name, or who else (core.domain.revision_events.AUTHOR_*)
    author_name: str
    author_email: str
    message: str
    time_s: int
    written: dict[str, FileView | None]  # what it wrote by path; None: deleted
    files: tuple[ChangedFile, ...]  # what changed, sorted by path
    before: dict[str, FileView]  # the project's files before it, for its diff

    @property
    def after(self) -> dict[str, FileView]:
        """The project's files as it left them."""
        files = dict(self.before)
        for path, file in self.written.items():
            if file is None:
                files.pop(path, None)
            else:
                files[path] = file
        return files


@dataclass(frozen=True)
class ContextView:
    """What an agent's step sent the model of the project."""

    files: tuple[str, ...]
    tokens: int
    budget: int

    @property
    def summary(self) -> str:
        """As the agent's card says it: "4 files · 3,120 of 12,000 tokens"."""
        count = len(self.files)
        return f"{count} file{'' if count == 1 else 's'} · {self.tokens:,} of {self.budget:,} tokens"


@dataclass
class RevisionView:
    number: int
    request: str
    origin: RevisionOrigin
    restores: int | None
    base: dict[str, FileView]  # the files as the revision found them
    closed: bool = False  # a later revision began: what follows is final
    status: RunStatus | None = None  # once closed; while it is the latest, the run's status is its status
    verdict: VerifyStatus | None = None  # of the project's tests, once closed
    commit: str | None = None  # the last commit when it closed (its tag), if any commit was made by then
    end: dict[str, FileView] | None = None  # the files when it closed
    artifacts: dict[str, ArtifactView] = field(default_factory=dict)  # the agents' artifacts when it closed
    earlier: dict[str, list[ArtifactView]] = field(default_factory=dict)  # their earlier versions, by agent


@dataclass(frozen=True)
class ImportNoteView:
    path: str
    reason: str
    sentence: str


@dataclass(frozen=True)
class PushView:
    url: str
    branch: str
    ok: bool
    message: str
    commit: str | None


@dataclass
class ProjectView:
    revision: int = 0  # the latest revision's number; 0 before the run was configured
    revisions: list[RevisionView] = field(default_factory=list)
    files: dict[str, FileView] = field(default_factory=dict)
    commits: list[CommitView] = field(default_factory=list)
    contexts: dict[str, ContextView] = field(default_factory=dict)  # of the latest revision, by agent
    edit_failures: dict[str, int] = field(default_factory=dict)  # attempts whose edits failed, in the agent's step
    rejected: dict[str, str] = field(default_factory=dict)  # the answer whose edits failed, until the next attempt
    # The user's edits of artifacts at an approval, by agent, until the next commit records what they change.
    uncommitted_edits: dict[str, str] = field(default_factory=dict)
    import_notes: list[ImportNoteView] = field(default_factory=list)
    pushes: list[PushView] = field(default_factory=list)

    @property
    def current(self) -> "RevisionView | None":
        return self.revisions[-1] if self.revisions else None

    @property
    def head(self) -> str | None:
        return self.commits[-1].commit if self.commits else None

    def revision_of(self, number: int) -> "RevisionView | None":
        return self.revisions[number - 1] if 1 <= number <= len(self.revisions) else None


def changed_files(old: Mapping[str, Content], new: Mapping[str, Content]) -> tuple[ChangedFile, ...]:
    """The files that differ between two states of the project (as FileViews, or as bytes), sorted by path."""
    changes = []
    for path in sorted(old.keys() | new.keys()):
        if path not in old:
            changes.append(ChangedFile(path, FileChangeKind.ADDED))
        elif path not in new:
            changes.append(ChangedFile(path, FileChangeKind.DELETED))
        elif old[path] != new[path]:
            changes.append(ChangedFile(path, FileChangeKind.MODIFIED))
    return tuple(changes)
