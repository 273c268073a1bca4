"""docs/ARCHITECTURE.md stays true where a test can tell: the contracts it lists are the ones pyproject.toml holds,
and every module, class, function, file and folder it names exists."""

import importlib
import inspect
import re
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DOC = (ROOT / "docs" / "ARCHITECTURE.md").read_text()
TOP = ("core", "agents", "ui")
FOLDERS = ("core/", "agents/", "ui/", "tests/", "bench/", "docs/", "assets/", "deploy/")
# A name in code spans and diagram participants: a dotted path from a top package, or a path in the repository.
_DOTTED = re.compile(rf"^(?:{'|'.join(TOP)})(?:\.\w+)+$")
_PATH = re.compile(rf"^(?:{'|'.join(re.escape(folder) for folder in FOLDERS)})[\w./-]*$|^main\.py$")


def named() -> set[str]:
    spans = re.findall(r"`([^`\n]+)`", DOC)
    participants = re.findall(r"participant \w+ as ([\w.]+)", DOC)
    names = set()
    for text in spans + participants:
        name = re.split(r"[(\s]", text.strip(), maxsplit=1)[0].rstrip(".,:;")
        if _DOTTED.match(name) or _PATH.match(name):
            names.add(name)
    return names


def exists(name: str) -> bool:
    if "/" in name or name == "main.py":
        return (ROOT / name).exists()
    parts = name.split(".")
    module = ROOT.joinpath(*parts)
    if module.with_suffix(".py").is_file() or (module / "__init__.py").is_file():
        return True  # a module (the optional orchestrator's cannot be imported without its extra)
    # A class or function: the longest importable module, then attributes of it. `ui.…` that is not BotArmy's is
    # NiceGUI's own `ui` namespace, which the document names where it says how the UI uses NiceGUI.
    return _resolves(parts) or (parts[0] == "ui" and _resolves(["nicegui", *parts]))


def _resolves(parts: list[str]) -> bool:
    for cut in range(len(parts), 0, -1):
        try:
            found = importlib.import_module(".".join(parts[:cut]))
        except ModuleNotFoundError:
            continue
        for attribute in parts[cut:]:
            try:  # a module's names as it gives them (lazily, for NiceGUI's), a class's statically: no property runs
                found = (getattr if inspect.ismodule(found) else inspect.getattr_static)(found, attribute)
            except AttributeError:
                return False
        return True
    return False


def test_every_name_the_architecture_names_exists():
    names = named()
    assert len(names) > 40  # the document does name the code: this test reads what it should
    assert sorted(name for name in names if not exists(name)) == []


def test_the_listed_contracts_are_the_ones_pyproject_holds():
    contracts = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["importlinter"]["contracts"]
    section = DOC.split("## The contracts", 1)[1].split("\n## ", 1)[0]
    listed = re.findall(r"\*\*(.+?)\*\*", section)
    assert sorted(listed) == sorted(contract["name"] for contract in contracts)
