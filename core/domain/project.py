"""A run's artifacts as a real project folder: the documents, the files the agents wrote, and a README.

Agents that write files (the team says which, and under which prefix) write each as a line **File: `path`**
followed by one fenced block; those become files. Paths are confined to the project folder whatever the model wrote.
"""

import io
import re
import zipfile
from pathlib import PurePosixPath

from .team import Team
from .view import RunView

_FILE_BLOCK = re.compile(r"\*\*File:\s*`([^`\n]+)`\*\*[^\n]*\n+\s*(`{3,}|~{3,})[^\n]*\n(.*?)\n?\2", re.DOTALL)
_PYPROJECT = """\
[tool.pytest.ini_options]
pythonpath = ["src"]
testpaths = ["tests"]
"""


def safe_path(path: str) -> str | None:
    """A relative path inside the project, or None for one that is empty or tries to leave it."""
    parts = [part for part in PurePosixPath(path.strip().replace("\\", "/")).parts if part not in ("/", ".")]
    if not parts or any(part == ".." or ":" in part for part in parts):
        return None
    return "/".join(parts)


def written_files(markdown: str) -> dict[str, str]:
    """The files an agent wrote in its answer, by path."""
    files = {}
    for raw_path, _, body in _FILE_BLOCK.findall(markdown):
        if path := safe_path(raw_path):
            files[path] = body if body.endswith("\n") else body + "\n"
    return files


def slug(text: str) -> str:
    words = re.findall(r"[a-z0-9]+", text.lower())[:6]
    return "-".join(words) or "botarmy-project"


def project_files(view: RunView, team: Team) -> dict[str, str]:
    """Path → content of the project folder. The agents' own files come first; nothing of theirs is overwritten."""
    files: dict[str, str] = {}
    for member in team.members:
        if member.files_under is not None and member.name in view.artifacts:
            for path, content in written_files(view.artifacts[member.name].content).items():
                if not path.startswith(member.files_under):
                    path = f"{member.files_under}{path}"
                files.setdefault(path, content)
    for member in team.members:
        if member.name in view.artifacts:
            files.setdefault(member.document, view.artifacts[member.name].content)
    if any(path.startswith("src/") for path in files):
        files.setdefault("pyproject.toml", _PYPROJECT)
    files.setdefault("README.md", _readme(view, sorted(files)))
    return dict(sorted(files.items()))


def project_zip(view: RunView, team: Team) -> tuple[str, bytes]:
    """The zip's file name and bytes; everything sits in one top-level folder named after the brief."""
    folder = slug(view.brief)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for path, content in project_files(view, team).items():
            archive.writestr(f"{folder}/{path}", content)
    return f"{folder}.zip", buffer.getvalue()


def _readme(view: RunView, paths: list[str]) -> str:
    brief = "\n".join(f"> {line}" if line else ">" for line in view.brief.splitlines())
    layout = "\n".join(f"- `{path}`" for path in paths + ["README.md"])
    steps = ("Run the tests with `python -m pytest` (the tests import the code from `src/`)."
             if "pyproject.toml" in paths else "See `docs/` for what each agent wrote.")
    return (f"# {view.brief.splitlines()[0][:80] if view.brief else 'BotArmy project'}\n\n"
            f"Produced by BotArmy's five agents from this brief:\n\n{brief}\n\n"
            f"## Layout\n\n{layout}\n\n## Getting started\n\n{steps}\n")
