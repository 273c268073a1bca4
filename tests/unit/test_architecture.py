"""The layer rules of docs/ARCHITECTURE.md, as import-linter contracts in pyproject.toml, hold for the code."""

import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def test_every_import_contract_is_kept():
    lint = shutil.which("lint-imports") or str(Path(sys.executable).parent / "lint-imports")
    done = subprocess.run([lint, "--config", str(ROOT / "pyproject.toml")], cwd=ROOT, capture_output=True,
                          text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stdout[-6000:] + done.stderr[-2000:]
    contracts = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["importlinter"]["contracts"]
    assert f"{len(contracts)} kept, 0 broken" in done.stdout


@pytest.mark.parametrize("module, imported", [
    ("core.domain.fold", "core.web.api"),  # a layer imports one above it
    ("core.engine.queries", "core.storage.sql.run_catalogue"),  # a caller knows a store's implementation
    ("ui.history", "core.storage.run_catalogue"),  # the UI reaches past the engine
    ("core.storage.memory.event_log", "sqlalchemy"),  # SQL outside the SQL implementations
])
def test_a_forbidden_import_is_caught(tmp_path, module, imported):
    """The contracts bite: a copy of the tree with one forbidden import breaks them."""
    for package in ("core", "agents", "ui"):
        shutil.copytree(ROOT / package, tmp_path / package, ignore=shutil.ignore_patterns("__pycache__", "*.js"))
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    source = tmp_path.joinpath(*module.split(".")).with_suffix(".py")
    source.write_text(f"import {imported}  # noqa\n" + source.read_text())
    lint = shutil.which("lint-imports") or str(Path(sys.executable).parent / "lint-imports")
    done = subprocess.run([lint, "--config", str(tmp_path / "pyproject.toml")], cwd=tmp_path, capture_output=True,
                          text=True, timeout=120, check=False, env={"PYTHONPATH": str(tmp_path), "PATH": ""})
    assert done.returncode != 0
    assert f"{module} -> {imported}" in done.stdout
