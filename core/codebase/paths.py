"""Where a project's files may be: inside the project, in a path git accepts, and never in a `.git` folder."""

import re

from core.domain.paths import safe_path

# Code points HFS+ ignores in names, so `.g\u200cit` is `.git` on a Mac (git refuses both in a tree).
_IGNORED_BY_HFS = re.compile("[\u200c-\u200f\u202a-\u202e\u206a-\u206f\ufeff]")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def is_git_folder(name: str) -> bool:
    """`.git`, also as Windows and macOS may spell it (`.GIT`, `.git.`, `git~1`)."""
    folded = _IGNORED_BY_HFS.sub("", name).casefold().rstrip(". ")
    return folded in (".git", "git~1")


def project_path(raw: str) -> str | None:
    """The path inside the project that `raw` names, or None for one that leaves it, holds control characters or
    goes into a `.git` folder."""
    if _CONTROL.search(raw) or not _encodable(raw):
        return None
    path = safe_path(raw)
    if path is None or any(is_git_folder(part) for part in path.split("/")):
        return None
    return path


def _encodable(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:  # a lone surrogate
        return False
    return True
