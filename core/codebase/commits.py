"""Recording a commit of a run's project: the FILES_COMMITTED event of a change to the files as they stand, its
git id computed before it is appended (core.codebase.history.commit_id), so the log says which commit it is and a
history rebuilt from the log anywhere can be checked against it."""

import time
from collections.abc import Mapping

from core.domain.revision_events import FileChange, FilesCommitted
from core.domain.revision_fold import revision_number
from core.domain.view import RunView

from .content import text_of, withheld
from .history import Signature, Step, commit_id

EMAIL = "{author}@botarmy.invalid"


def files_committed(view: RunView, author: str, author_name: str, message: str,
                    changes: Mapping[str, str | bytes | None], *, revision: int | None = None,
                    time_s: int | None = None) -> FilesCommitted | None:
    """The commit of `changes` (path → text, bytes, or None to delete) on the view's files, by `author`, in
    `revision` (the view's latest when None); None when they change nothing. Bytes that are UTF-8 text are kept as
    text."""
    files = view.files
    effective: dict[str, str | bytes | None] = {}
    for path, content in sorted(changes.items()):
        if isinstance(content, bytes):
            content = text_of(content) if text_of(content) is not None else content
        if content is None and path not in files:
            continue
        if content is not None and path in files and files[path].content == content:
            continue
        effective[path] = content
    if not effective:
        return None
    after = {path: file.data for path, file in files.items()}
    for path, content in effective.items():
        if content is None:
            after.pop(path, None)
        else:
            after[path] = content.encode() if isinstance(content, str) else content
    email = EMAIL.format(author=author)
    time_s = int(time.time()) if time_s is None else time_s
    parent = view.project.head
    commit = commit_id(after, parent, Step(Signature(author_name, email), message, time_s, {}))
    return FilesCommitted(
        revision=revision or revision_number(view), author=author, author_name=author_name, author_email=email,
        message=message, time_s=time_s, commit=commit, parent=parent,
        changes=[FileChange.of(path, content, content is not None and withheld(path, after[path]) is not None)
                 for path, content in effective.items()])


def commit_message(subject: str, revision: int, request: str) -> str:
    """A commit's message: what was done, and for which request (its revision's, on the line below)."""
    lines = request.strip().splitlines()
    first_line = lines[0] if lines else ""
    shown = first_line if len(first_line) <= 200 else first_line[:199] + "…"
    return f"{subject}\n\nRevision {revision}: {shown}\n"
