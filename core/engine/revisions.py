"""The events that begin a project's revisions, as the commands record them (core.engine.commands): a change
request, a restore of an earlier revision's files, an imported project's first revision; and the push of a
project's history, whose result is an event too."""

import asyncio
import logging
from urllib.parse import urlsplit, urlunsplit

from core.codebase.commits import commit_message, files_committed
from core.codebase.history import HistoryError
from core.codebase.importing import ImportedProject
from core.codebase.project_history import history_of
from core.codebase.push import PushError, push
from core.domain.custom import custom
from core.domain.events import Event
from core.domain.inputs import InputError, clean_text
from core.domain.revision_events import (
    AUTHOR_IMPORT,
    AUTHOR_RESTORE,
    ImportNote,
    ImportReport,
    PushFinished,
    RevisionOrigin,
    RevisionStarted,
)
from core.domain.revision_fold import revision_number
from core.domain.revisions import revision_files
from core.domain.view import RunView

log = logging.getLogger("botarmy.revisions")

FINISH_FIRST = "Finish or cancel the current revision first."
EMPTY_REQUEST = "Please write what should change: the change request is empty."
NO_REVISION = "This project has no revision {revision}."
RESTORE_REQUEST = "Restore revision {revision}"
IMPORTED = "Import the project"
RESTORED = "Restore revision {revision}"
IMPORT_NAME = "Import"
RESTORE_NAME = "Restore"
MAX_URL_CHARS = 2000


class RevisionConflict(Exception):
    """The run is not at rest: a new revision cannot begin now. The message is the user's sentence."""


class NoSuchRevision(Exception):
    """The revision asked for does not exist. The message is the user's sentence."""


def clean_request(text: str | None, max_chars: int) -> str:
    return clean_text(text, max_chars, what="change request", empty=EMPTY_REQUEST)


def change_requested(view: RunView, request: str) -> list[Event]:
    return [custom(RevisionStarted(revision=revision_number(view) + 1, request=request,
                                   origin=RevisionOrigin.CHANGE))]


def restore_requested(view: RunView, restores: int) -> list[Event]:
    """A new revision whose one commit brings the files back as revision `restores` left them, byte for byte."""
    old = view.project.revision_of(restores)
    if old is None:
        raise NoSuchRevision(NO_REVISION.format(revision=restores))
    number = revision_number(view) + 1
    request = RESTORE_REQUEST.format(revision=restores)
    wanted = revision_files(view, old)
    changes = {path: None for path in view.files if path not in wanted}
    changes |= {path: file.content for path, file in wanted.items()}
    commit = files_committed(view, AUTHOR_RESTORE, RESTORE_NAME,
                             commit_message(RESTORED.format(revision=restores), number, request), changes,
                             revision=number)
    started = RevisionStarted(revision=number, request=request, origin=RevisionOrigin.RESTORE, restores=restores)
    return [custom(started), *([custom(commit)] if commit is not None else [])]


def import_started(run_id: str, brief: str, project: ImportedProject) -> list[Event]:
    """A new run's first revision, from an imported project: its files, committed as they came, and what was left
    out or kept from the model; the brief is its change request."""
    commit = files_committed(RunView(run_id=run_id), AUTHOR_IMPORT, IMPORT_NAME, commit_message(IMPORTED, 1, brief),
                             project.files, revision=1)
    notes = [ImportNote(path=note.path, reason=note.reason, sentence=note.sentence) for note in project.notes]
    return [custom(RevisionStarted(revision=1, request=brief, origin=RevisionOrigin.IMPORT)),
            *([custom(commit)] if commit is not None else []), custom(ImportReport(notes=notes))]


def public_url(url: str) -> str:
    """The remote as it may be recorded: without a user name or password, and at most MAX_URL_CHARS long."""
    shown = "".join(char for char in url.strip() if char.isprintable())[:MAX_URL_CHARS]
    try:
        parts = urlsplit(shown)
    except ValueError:
        return shown
    if parts.username is not None or parts.password is not None:
        parts = parts._replace(netloc=parts.netloc.rsplit("@", 1)[-1])
    return urlunsplit(parts)


async def pushed(view: RunView, url: str, branch: str, token: str | None, allow_local_paths: bool) -> PushFinished:
    """The push of the project's history (in a thread: it is blocking network I/O), as its event."""
    try:
        history = await asyncio.to_thread(history_of, view)
        result = await asyncio.to_thread(push, history, url, branch, token, allow_local_paths=allow_local_paths)
    except (PushError, HistoryError) as error:
        return PushFinished(url=public_url(url), branch=branch, ok=False, message=str(error))
    return PushFinished(url=public_url(url), branch=branch, ok=True, message=result.sentence, commit=result.commit)


def validated_branch(branch: str | None) -> str:
    branch = (branch or "main").strip()
    if not branch or len(branch) > 200:
        raise InputError("Give the branch to push to, such as main.")
    return branch
