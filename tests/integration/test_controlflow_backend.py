"""The ControlFlow orchestrator's tests, in a virtual environment of their own.

ControlFlow needs an older FastAPI than the main environment's, so its tests (tests/controlflow_orchestrator) run in
the environment of tests/support/controlflow_env.py, and must pass there.
"""

import importlib.util
import re
import subprocess
import sys

import pytest

from agents.controlflow.orchestrator import NOT_INSTALLED
from tests.support import controlflow_run
from tests.support.server import ROOT, server_env


@pytest.mark.controlflow
@pytest.mark.timeout(2400)
def test_the_controlflow_orchestrator_passes_its_tests_in_its_own_environment():
    # Started once a worker was past the browser tests (tests/conftest.py), so that it ran beside the other tests.
    done = controlflow_run.result(timeout=2300)
    output = done.stdout[-6000:] + done.stderr[-2000:]
    assert done.returncode == 0, output
    summary = re.search(r"(\d+) passed", output)
    assert summary and int(summary.group(1)) >= 6 and " skipped" not in output, output


@pytest.mark.skipif(importlib.util.find_spec("controlflow") is not None, reason="ControlFlow is installed here")
def test_choosing_controlflow_where_it_is_not_installed_says_how_to_install_it(tmp_path):
    done = subprocess.run([sys.executable, str(ROOT / "main.py"), "--data-dir", str(tmp_path)], cwd=tmp_path,
                          env=server_env({"BOTARMY_ORCHESTRATOR": "controlflow"}), capture_output=True, text=True,
                          timeout=60, check=False)
    assert done.returncode == 1 and done.stderr.strip().endswith(NOT_INSTALLED)

