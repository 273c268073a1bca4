"""What an agent's answer writes into the project: its document (the whole answer, for an agent that has one) and
the files it writes, whole or as SEARCH/REPLACE edits of the files as they stand, applied all or none."""

from collections.abc import Mapping
from dataclasses import replace

from core.domain.files import FileView
from core.domain.team import Member

from .edits import Edit, apply_edits, parse_edits


def answer_changes(member: Member, answer: str, files: Mapping[str, FileView]) -> dict[str, str]:
    """Path → the text the answer gives it; EditsFailed (nothing applied) when an edit cannot be applied. Files kept
    from the model (secrets, binary) cannot be written."""
    changes: dict[str, str] = {}
    if member.files_under is not None:
        texts = {path: file.content for path, file in files.items() if isinstance(file.content, str)}
        edits = [_under(edit, member.files_under) for edit in parse_edits(answer, files.keys())]
        result = apply_edits(texts, edits, read_only={path for path, file in files.items() if file.withheld})
        changes = {path: result.files[path] for path in result.changed}
    if member.document is not None:
        changes[member.document] = answer
    return changes


def _under(edit: Edit, prefix: str) -> Edit:
    """The edit of a file under the agent's own folder (the Tester's tests/), where the model may leave it out."""
    path = edit.path.strip().lstrip("/")
    return edit if not prefix or path.startswith(prefix) else replace(edit, path=prefix + path)
