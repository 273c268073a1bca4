"""Node packages the tests use, installed from npm on first use, pinned by the folder's committed lock file."""

import shutil
import subprocess
from pathlib import Path

from tests.support.locks import held


def installed(folder: Path, package: str, needed_for: str) -> Path:
    """`folder` with `package` in its node_modules: `npm ci` there unless it is installed already, by one process
    at a time (another test worker may be about to use it, or be installing it)."""
    with held(folder):
        if not (folder / "node_modules" / package).is_dir():
            npm = shutil.which("npm")
            assert npm and shutil.which("node"), f"Node.js and npm are needed {needed_for}"
            subprocess.run([npm, "ci", "--no-audit", "--no-fund"], cwd=folder, check=True, timeout=300,
                           capture_output=True)
    return folder
