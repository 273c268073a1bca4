"""What changed between two states of a project: the files added, modified and deleted, and the unified diff text
git would show for them (`git apply` takes it), binary files noted as git notes them."""

import difflib
import re
from collections.abc import Mapping
from enum import StrEnum

from core.domain.files import ChangedFile, changed_files
from core.domain.files import FileChangeKind as ChangeKind  # one name per kind of change, the domain's

from .content import text_of
from .history import History

_LINE = re.compile(r"[^\n]*\n|[^\n]+\Z")
NO_NEWLINE = "\\ No newline at end of file\n"


def unified_diff(old: Mapping[str, bytes], new: Mapping[str, bytes], context: int = 3) -> str:
    """Every change as git's unified diff, file by file in path order."""
    return "".join(_file_diff(change, old.get(change.path), new.get(change.path), context)
                   for change in changed_files(old, new))


class LineKind(StrEnum):
    """What a line of a unified diff is, for showing it."""

    META = "meta"  # a file's header: diff --git, its mode, ---/+++ and a binary file's note
    HUNK = "hunk"  # @@ -a,b +c,d @@
    ADDED = "added"
    REMOVED = "removed"
    CONTEXT = "context"
    NOTE = "note"  # \\ No newline at end of file


def diff_lines(text: str) -> list[tuple[LineKind, str]]:
    """A unified diff's lines (cut at \\n only), each with its kind. A file's lines up to its first hunk are its
    header: a removed line that reads "-- x" shows as "--- x" and is a removal inside a hunk, a header outside."""
    lines: list[tuple[LineKind, str]] = []
    header = False
    body = text.removesuffix("\n")
    for line in body.split("\n") if body else []:
        if line.startswith("diff --git "):
            header = True
        if line.startswith("@@"):
            header = False
            lines.append((LineKind.HUNK, line))
        elif header:
            lines.append((LineKind.META, line))
        else:
            lines.append((_BODY.get(line[:1], LineKind.CONTEXT), line))
    return lines


_BODY = {"+": LineKind.ADDED, "-": LineKind.REMOVED, "\\": LineKind.NOTE}


def commit_diff(history: History, commit: str) -> str:
    """A commit's changes against its parent (against nothing for the first commit)."""
    commit_id = history.resolve(commit)
    parent = next(info.parent for info in history.commits if info.id == commit_id)
    return unified_diff(history.files(parent) if parent else {}, history.files(commit_id))


def revision_diff(history: History, revision: int) -> str:
    """A revision's changes against the revision before it (against nothing for the first)."""
    before = [number for number in history.tags if number < revision]
    old = history.files(history.revision_commit(max(before))) if before else {}
    return unified_diff(old, history.files(history.revision_commit(revision)))


def _file_diff(change: ChangedFile, old: bytes | None, new: bytes | None, context: int) -> str:
    path = change.path
    header = f"diff --git a/{path} b/{path}\n"
    if change.change is ChangeKind.ADDED:
        header += "new file mode 100644\n"
    elif change.change is ChangeKind.DELETED:
        header += "deleted file mode 100644\n"
    before = "/dev/null" if old is None else f"a/{path}"
    after = "/dev/null" if new is None else f"b/{path}"
    old_text, new_text = text_of(old or b""), text_of(new or b"")
    if old_text is None or new_text is None:
        return header + f"Binary files {before} and {after} differ\n"
    if not old_text and not new_text:
        return header  # an empty file added or deleted: git shows the header alone
    lines = difflib.unified_diff(_lines(old_text), _lines(new_text), before, after, n=context)
    return header + "".join(line if line.endswith("\n") else line + "\n" + NO_NEWLINE for line in lines)


def _lines(text: str) -> list[str]:
    """Lines cut at \\n only, as git cuts them (str.splitlines also cuts at \\r, \\x0c, \\u2028 …)."""
    return _LINE.findall(text)
