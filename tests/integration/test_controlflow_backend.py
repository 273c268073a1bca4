"""The ControlFlow orchestrator's tests, in a virtual environment of their own.

ControlFlow needs Prefect, whose server needs an older FastAPI than the main environment's, so its tests run in
`.venvs/controlflow` (gitignored): made on first use with `pip install -e '.[controlflow,test]'`, installed again
whenever pyproject.toml changes, then `python -m pytest tests/controlflow` there, which must pass.
"""

import hashlib
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
VENV = ROOT / ".venvs" / "controlflow"


def _environment() -> dict[str, str]:
    return {key: value for key, value in os.environ.items()
            if key not in {"PYTEST_CURRENT_TEST", "PYTEST_ADDOPTS", "VIRTUAL_ENV", "PYTHONHOME"}}


def controlflow_python() -> Path:
    """The environment's interpreter, with the pinned extra installed as pyproject.toml has it now."""
    python, stamp = VENV / "bin" / "python", VENV / "pyproject.sha256"
    wanted = hashlib.sha256((ROOT / "pyproject.toml").read_bytes()).hexdigest()
    if not python.exists():
        subprocess.run([sys.executable, "-m", "venv", str(VENV)], check=True, timeout=300)
    if not stamp.exists() or stamp.read_text() != wanted:
        install = subprocess.run([str(python), "-m", "pip", "install", "-q", "-e", ".[controlflow,test]"], cwd=ROOT,
                                 env=_environment(), capture_output=True, text=True, timeout=1200, check=False)
        assert install.returncode == 0, install.stdout[-3000:] + install.stderr[-3000:]
        stamp.write_text(wanted)
    return python


@pytest.mark.controlflow
@pytest.mark.timeout(2400)
def test_the_controlflow_orchestrator_passes_its_tests_in_its_own_environment():
    done = subprocess.run([str(controlflow_python()), "-m", "pytest", "-q", "-p", "no:cacheprovider", "-x",
                           "tests/controlflow"], cwd=ROOT, env=_environment(), capture_output=True, text=True,
                          timeout=2100, check=False)
    output = done.stdout[-6000:] + done.stderr[-2000:]
    assert done.returncode == 0, output
    summary = re.search(r"(\d+) passed", output)
    assert summary and int(summary.group(1)) >= 9 and " skipped" not in output, output
