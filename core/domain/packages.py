"""The third-party packages a generated project declares (requirements.txt, and pyproject.toml's
[project].dependencies), and which of them the Python that runs the tests lacks."""

import tomllib
from importlib import metadata

from packaging.requirements import InvalidRequirement, Requirement

MAX_PACKAGES = 50
DECLARING = ("requirements.txt", "pyproject.toml")  # the files that declare them


def declared(files: dict[str, str]) -> tuple[list[Requirement], list[str]]:
    """The project's requirements, and the lines that are none (options, URLs, local paths): those are never
    passed to pip, since a line such as `--index-url` or `-e git+…` would make it fetch from anywhere."""
    lines: list[str] = []
    if "requirements.txt" in files:
        lines += [line.split(" #", 1)[0].strip() for line in files["requirements.txt"].splitlines()]
    if "pyproject.toml" in files:
        try:
            project = tomllib.loads(files["pyproject.toml"]).get("project", {})
        except tomllib.TOMLDecodeError:
            project = {}
        dependencies = project.get("dependencies", []) if isinstance(project, dict) else []
        lines += [line for line in dependencies if isinstance(line, str)] if isinstance(dependencies, list) else []
    found, refused = [], []
    for line in lines:
        if not line or line.startswith("#"):
            continue
        try:
            requirement = Requirement(line)
        except InvalidRequirement:
            refused.append(line)
            continue
        if requirement.url:
            refused.append(line)
        elif requirement.marker is None or requirement.marker.evaluate():
            found.append(requirement)
    return found[:MAX_PACKAGES], refused


def missing(requirements: list[Requirement]) -> list[Requirement]:
    """Those not installed (in a fitting version) in this process's Python, which is the sandbox's."""
    lacking = []
    for requirement in requirements:
        try:
            version = metadata.version(requirement.name)
        except metadata.PackageNotFoundError:
            lacking.append(requirement)
            continue
        if not requirement.specifier.contains(version, prereleases=True):
            lacking.append(requirement)
    return lacking
