"""A run's project as a git history, rebuilt from its view (the fold of its log): a commit per FILES_COMMITTED,
with the author, time and message the log recorded, and a tag per revision at rest. Every id the rebuild computes
must be the one the log recorded, on any process, after any restart: otherwise it is refused."""

from collections.abc import Mapping

from core.domain.files import CommitView, FileView, RevisionView
from core.domain.revisions import revision_files, revision_tags
from core.domain.view import RunView

from .diff import unified_diff
from .history import History, HistoryError, Signature, Step

DIVERGED = ("The project's history cannot be rebuilt: commit {place} comes out as {built} where the log recorded "
            "{recorded}.")


def step_of(commit: CommitView) -> Step:
    return Step(Signature(commit.author_name, commit.author_email), commit.message, commit.time_s,
                {path: None if file is None else file.data for path, file in commit.written.items()})


def history_of(view: RunView) -> History:
    """The history, checked commit by commit against the ids in the log; HistoryError when one differs."""
    history = History()
    places = {}
    for place, commit in enumerate(view.project.commits):
        built = history.commit(step_of(commit))
        if built != commit.commit:
            raise HistoryError(DIVERGED.format(place=place + 1, built=built, recorded=commit.commit))
        places[built] = place
    for revision, commit in revision_tags(view).items():
        history.tag(revision, places[commit])
    return history


def revision_diff(view: RunView, revision: RevisionView) -> str:
    """The revision's changes against the files as it found them, as git's unified diff."""
    return unified_diff(_data(revision.base), _data(revision_files(view, revision)))


def commit_diff(commit: CommitView) -> str:
    """One commit's changes against the files before it, as git's unified diff."""
    return unified_diff(_data(commit.before), _data(commit.after))


def _data(files: Mapping[str, FileView]) -> dict[str, bytes]:
    return {path: file.data for path, file in files.items()}
