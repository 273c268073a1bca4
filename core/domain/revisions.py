"""Reading a run's revisions from its view: how each stands, what it changed, and which commit its tag names."""

from .files import ChangedFile, FileView, RevisionView, changed_files
from .status import TERMINAL_RUN_STATUSES, RunStatus, VerifyStatus
from .view import RunView

NO_SUCH_REVISION = "This project has no revision {revision}."


def revision_status(view: RunView, revision: RevisionView) -> RunStatus:
    """A closed revision's status when it closed; the latest's is the run's."""
    return revision.status if revision.closed and revision.status is not None else view.status


def revision_verdict(view: RunView, revision: RevisionView) -> VerifyStatus | None:
    if revision.closed:
        return revision.verdict
    return view.verify.status if view.verify is not None else None


def at_rest(view: RunView, revision: RevisionView) -> bool:
    """Its work is over: a later revision began, or the run ended (it may still be resumed)."""
    return revision.closed or view.status in TERMINAL_RUN_STATUSES


def revision_files(view: RunView, revision: RevisionView) -> dict[str, FileView]:
    """The files as the revision left them (as they stand, for the latest)."""
    return revision.end if revision.end is not None else view.files


def revision_changes(view: RunView, revision: RevisionView) -> tuple[ChangedFile, ...]:
    """The files the revision added, modified or deleted."""
    return changed_files(revision.base, revision_files(view, revision))


def revision_tags(view: RunView) -> dict[int, str]:
    """Revision number → the commit its tag `revision-n` names: its last commit, for each revision at rest that
    had a commit by then."""
    tags = {}
    for revision in view.project.revisions:
        commit = revision.commit if revision.closed else view.project.head
        if at_rest(view, revision) and commit is not None:
            tags[revision.number] = commit
    return tags
