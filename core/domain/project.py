"""A run's project as a folder: the files its commits hold (view.files), what the first revision adds beside the
agents' own files (a pyproject.toml for code under src/, a README), and the zip of it.

Agents that write files (the team says which, and under which prefix) write each as a line **File: `path`**
followed by one fenced block. Logs written before the project's files were committed have no commit: their folder
is still derived from the artifacts, as it was then.
"""

import io
import re
import zipfile
from collections.abc import Collection

from .paths import safe_path
from .team import Team
from .view import RunView

_FILE_BLOCK = re.compile(r"\*\*File:\s*`([^`\n]+)`\*\*[^\n]*\n+\s*(`{3,}|~{3,})[^\n]*\n(.*?)\n?\2", re.DOTALL)
PYPROJECT = "pyproject.toml"
README = "README.md"
_PYPROJECT = """\
[tool.pytest.ini_options]
pythonpath = ["src"]
testpaths = ["tests"]
"""


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


def derived_files(paths: Collection[str], brief: str) -> dict[str, str]:
    """What a new project needs beside the agents' files once it has code under src/: a pyproject.toml that lets
    pytest import that code, and a README. Only what is missing."""
    if not any(path.startswith("src/") for path in paths):
        return {}
    derived = {} if PYPROJECT in paths else {PYPROJECT: _PYPROJECT}
    if not any(path.lower() == README.lower() for path in paths):
        derived[README] = _readme(brief)
    return derived


def project_files(view: RunView, team: Team) -> dict[str, bytes]:
    """Path → content of the project folder, sorted: the files as the last commit left them."""
    if view.project.commits:
        return {path: file.data for path, file in sorted(view.files.items())}
    return {path: text.encode() for path, text in _from_artifacts(view, team).items()}


def project_zip(view: RunView, team: Team) -> tuple[str, bytes]:
    """The zip's file name and bytes; everything sits in one top-level folder named after the brief."""
    folder = slug(view.brief)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for path, content in project_files(view, team).items():
            archive.writestr(f"{folder}/{path}", content)
    return f"{folder}.zip", buffer.getvalue()


def _from_artifacts(view: RunView, team: Team) -> dict[str, str]:
    """The folder of a log from before commits: the agents' own files first (nothing of theirs is overwritten), then
    their documents and what a new project adds."""
    files: dict[str, str] = {}
    for member in team.members:
        if member.files_under is not None and member.name in view.artifacts:
            for path, content in written_files(view.artifacts[member.name].content).items():
                if not path.startswith(member.files_under):
                    path = f"{member.files_under}{path}"
                files.setdefault(path, content)
    for member in team.members:
        if member.document is not None and member.name in view.artifacts:
            files.setdefault(member.document, view.artifacts[member.name].content)
    files |= derived_files(files, view.brief)
    return dict(sorted(files.items()))


def _readme(brief: str) -> str:
    quoted = "\n".join(f"> {line}" if line else ">" for line in brief.splitlines())
    steps = "Run the tests with `python -m pytest` (the tests import the code from `src/`)."
    return (f"# {brief.splitlines()[0][:80] if brief else 'BotArmy project'}\n\n"
            f"Produced by BotArmy's five agents from this brief:\n\n{quoted}\n\n"
            f"## Getting started\n\n{steps}\n")
