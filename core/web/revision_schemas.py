"""Request and response models of a project's revisions in the REST API: change requests, restores, pushes, and
the revisions with their commits."""

from pydantic import BaseModel, Field

from core.codebase.history import revision_tag
from core.domain.files import ChangedFile, CommitView, FileChangeKind
from core.domain.revision_events import RevisionOrigin
from core.domain.revisions import revision_changes, revision_status, revision_tags, revision_verdict
from core.domain.status import RunStatus, VerifyStatus
from core.domain.view import RunView
from core.engine.revisions import MAX_URL_CHARS


class ChangeRequest(BaseModel):
    request: str = Field(description="What should change in the project: the next revision's request.")


class RestoreBody(BaseModel):
    revision: int = Field(ge=1, le=1_000_000, description="The revision whose files come back, as a new revision.")


class RevisionAccepted(BaseModel):
    revision: int = Field(description="The number of the revision that began.")


class PushBody(BaseModel):
    url: str = Field(max_length=MAX_URL_CHARS, description="An https:// URL of a git repository (without "
                                                           "credentials), or a path on the server if allowed.")
    branch: str = Field("main", max_length=200, description="The branch to push the project's history to.")
    token: str | None = Field(None, max_length=4096, description="A token that may push there; used for this push "
                                                                 "only, never stored.")


class PushAccepted(BaseModel):
    detail: str = Field(description="The push runs now; its result arrives in the run's events (push_finished).")


class FileChangeDetail(BaseModel):
    path: str
    change: FileChangeKind

    @classmethod
    def of(cls, changed: ChangedFile) -> "FileChangeDetail":
        return cls(path=changed.path, change=changed.change)


class CommitDetail(BaseModel):
    commit: str = Field(description="The git commit id, the same after every rebuild of the history.")
    parent: str | None
    author: str = Field(description="The agent's name, or `you`, `import`, `restore`.")
    author_name: str
    author_email: str
    message: str
    time_s: int
    files: list[FileChangeDetail]

    @classmethod
    def of(cls, commit: CommitView) -> "CommitDetail":
        return cls(commit=commit.commit, parent=commit.parent, author=commit.author, author_name=commit.author_name,
                   author_email=commit.author_email, message=commit.message, time_s=commit.time_s,
                   files=[FileChangeDetail.of(changed) for changed in commit.files])


class RevisionDetail(BaseModel):
    revision: int
    request: str
    origin: RevisionOrigin
    restores: int | None = Field(description="The revision whose files a restore brought back.")
    status: RunStatus = Field(description="The run's status when the revision ended; the latest's is the run's.")
    verdict: VerifyStatus | None = Field(description="Of the project's tests in this revision; null: not run.")
    tag: str | None = Field(description="`revision-n` once the revision is at rest and has a commit.")
    files_changed: list[FileChangeDetail]
    commits: list[CommitDetail]


def revision_details(view: RunView) -> list[RevisionDetail]:
    tags = revision_tags(view)
    return [RevisionDetail(
        revision=revision.number, request=revision.request, origin=revision.origin, restores=revision.restores,
        status=revision_status(view, revision), verdict=revision_verdict(view, revision),
        tag=revision_tag(revision.number) if revision.number in tags else None,
        files_changed=[FileChangeDetail.of(changed) for changed in revision_changes(view, revision)],
        commits=[CommitDetail.of(commit) for commit in view.project.commits if commit.revision == revision.number])
        for revision in view.project.revisions]
