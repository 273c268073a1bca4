"""The CUSTOM events of a project's revisions: a revision begins, files are committed, an agent's edits fail, what
a revision sends the model, what an import left out, how a push went. Each a payload model (core.domain.custom),
registered when this module is imported (the fold imports it)."""

import base64
import binascii
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, model_validator

from .custom import Payload
from .paths import safe_path

# Who made a commit that no agent made: the user's edit at an approval, an imported zip, a restored revision.
AUTHOR_YOU = "you"
AUTHOR_IMPORT = "import"
AUTHOR_RESTORE = "restore"


class RevisionKind(StrEnum):
    REVISION_STARTED = "revision_started"
    FILES_COMMITTED = "files_committed"
    EDIT_FAILED = "edit_failed"
    EDIT_REFUSED = "edit_refused"
    CONTEXT_CHOSEN = "context_chosen"
    IMPORT_REPORT = "import_report"
    PUSH_FINISHED = "push_finished"


class RevisionOrigin(StrEnum):
    FIRST = "first"  # the run's first revision: its brief is the request
    CHANGE = "change"  # the user asked for a change of a run at rest
    RESTORE = "restore"  # an earlier revision's files, brought back
    IMPORT = "import"  # the first revision of a project imported from a zip: the brief is a change request


class ProjectPayload(Payload):
    """What every payload of this module is: an event of the project's revisions (the fold's `case` for them)."""


class RevisionStarted(ProjectPayload):
    """Revision `revision` of the project begins; the run's artifacts so far belong to the one before."""

    KIND = RevisionKind.REVISION_STARTED
    revision: int
    request: str
    origin: RevisionOrigin
    restores: int | None = None  # the revision whose files a restore brings back


class FileChange(BaseModel):
    """One file a commit writes (as text, or as base64 for a binary file) or deletes."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    path: str
    text: str | None = None
    base64: str | None = None
    deleted: bool = False
    withheld: bool = False  # never sent to the model: a secrets or binary file

    @model_validator(mode="after")
    def _one_content(self) -> "FileChange":
        if safe_path(self.path) != self.path:
            raise ValueError(f"{self.path!r} is not a path inside the project")
        if (self.text is not None) + (self.base64 is not None) + self.deleted != 1:
            raise ValueError("a file change has exactly one of text, base64 or deleted")
        if self.base64 is not None:
            try:
                base64.b64decode(self.base64, validate=True)
            except binascii.Error as error:
                raise ValueError("base64 content that does not decode") from error
        return self

    @classmethod
    def of(cls, path: str, content: str | bytes | None, withheld: bool = False) -> "FileChange":
        if content is None:
            return cls(path=path, deleted=True)
        if isinstance(content, bytes):
            return cls(path=path, base64=base64.b64encode(content).decode(), withheld=withheld)
        return cls(path=path, text=content, withheld=withheld)

    @property
    def content(self) -> str | bytes | None:
        """The file's text or bytes; None when the commit deletes it."""
        if self.text is not None:
            return self.text
        return base64.b64decode(self.base64) if self.base64 is not None else None


class FilesCommitted(ProjectPayload):
    """A commit of the project's files; `commit` is its git id, computed from the log by the writer
    (core.codebase.commits), which a rebuild of the history checks."""

    KIND = RevisionKind.FILES_COMMITTED
    revision: int
    author: str  # the agent's name, or AUTHOR_YOU, AUTHOR_IMPORT, AUTHOR_RESTORE
    author_name: str
    author_email: str
    message: str
    time_s: int  # the commit's time: seconds since 1970, as the writer read its clock
    changes: list[FileChange]
    commit: str
    parent: str | None = None


class EditFailed(ProjectPayload):
    """The agent's edits could not be applied (nothing was): it is asked again with `problems`, unless `final`."""

    KIND = RevisionKind.EDIT_FAILED
    agent: str
    attempt: int
    problems: str
    final: bool = False  # no attempt is left: the agent fails


class EditRefused(ProjectPayload):
    """The user's edit of an agent's answer at an approval did not fit the files, so it was not recorded (nothing
    of it applied); the approval still waits. `sentence` says why."""

    KIND = RevisionKind.EDIT_REFUSED
    agent: str
    interrupt_id: str
    sentence: str


class ContextChosen(ProjectPayload):
    """What an agent's step sends the model of the project: the files chosen and the tokens they take."""

    KIND = RevisionKind.CONTEXT_CHOSEN
    agent: str
    files: list[str]
    tokens: int
    budget: int


class ImportNote(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    path: str
    reason: str  # why: a kind of core.codebase.importing.Skip or core.codebase.content.Withheld
    sentence: str


class ImportReport(ProjectPayload):
    """What the imported zip left out, or kept from the model, and why."""

    KIND = RevisionKind.IMPORT_REPORT
    notes: list[ImportNote]


class PushFinished(ProjectPayload):
    """How a push of the project's history went; the URL without credentials, never the token."""

    KIND = RevisionKind.PUSH_FINISHED
    url: str
    branch: str
    ok: bool
    message: str
    commit: str | None = None
