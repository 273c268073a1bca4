"""The one rule for a path inside a project folder, whoever wrote it (a model, a zip, a commit in the log)."""

from pathlib import PurePosixPath


def safe_path(path: str) -> str | None:
    """A relative path inside the project, or None for one that is empty or tries to leave it."""
    parts = [part for part in PurePosixPath(path.strip().replace("\\", "/")).parts if part not in ("/", ".")]
    if not parts or any(part == ".." or ":" in part for part in parts):
        return None
    return "/".join(parts)
