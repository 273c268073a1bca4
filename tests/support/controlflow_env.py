"""The virtual environment the ControlFlow orchestrator runs in: ControlFlow needs Prefect, whose server needs an
older FastAPI than the main environment's. `.venvs/controlflow` (gitignored) is made on first use with
`pip install -e '.[controlflow,test]'` and installed again whenever pyproject.toml changes.

It sees the interpreter's own packages (`--system-site-packages`), so pip installs only what the extra adds or pins
otherwise (Prefect, LangChain, the older FastAPI), which shadow the interpreter's: 27 s to make instead of 68, and
40 s less CPU in each clean run of the suite."""

import hashlib
import os
import subprocess
import sys
from pathlib import Path

from .locks import held
from .server import ROOT

VENV = ROOT / ".venvs" / "controlflow"
MAKE = ["--system-site-packages"]  # part of the stamp: an environment made otherwise is made again


def environment() -> dict[str, str]:
    """This environment for the nested pytest: without the outer session's pytest and xdist variables."""
    return {key: value for key, value in os.environ.items()
            if key not in {"PYTEST_CURRENT_TEST", "PYTEST_ADDOPTS", "VIRTUAL_ENV", "PYTHONHOME"}
            and not key.startswith("PYTEST_XDIST_")}


def controlflow_python() -> Path:
    """The environment's interpreter, with the pinned extra installed as pyproject.toml has it now (made by one
    process at a time: two test sessions of this checkout may both want it)."""
    python, stamp = VENV / "bin" / "python", VENV / "pyproject.sha256"
    wanted = hashlib.sha256((ROOT / "pyproject.toml").read_bytes() + " ".join(MAKE).encode()).hexdigest()
    with held(VENV):
        if not stamp.exists() or stamp.read_text() != wanted:
            subprocess.run([sys.executable, "-m", "venv", *MAKE, str(VENV)], check=True, timeout=300)
            install = subprocess.run([str(python), "-m", "pip", "install", "-q", "-e", ".[controlflow,test]"],
                                     cwd=ROOT, env=environment(), capture_output=True, text=True, timeout=1200,
                                     check=False)
            if install.returncode:
                raise RuntimeError(f"installing ControlFlow failed:\n{install.stdout[-3000:]}{install.stderr[-3000:]}")
            stamp.write_text(wanted)
    return python
