"""The ControlFlow orchestrator's tests, in a virtual environment of their own.

ControlFlow needs an older FastAPI than the main environment's, so its tests run with `python -m pytest
tests/controlflow` in the environment of tests/support/controlflow_env.py, and must pass there.
"""

import re
import subprocess

import pytest

from tests.support.controlflow_env import ROOT, controlflow_python, environment


@pytest.mark.controlflow
@pytest.mark.timeout(2400)
def test_the_controlflow_orchestrator_passes_its_tests_in_its_own_environment():
    done = subprocess.run([str(controlflow_python()), "-m", "pytest", "-q", "-p", "no:cacheprovider", "-x",
                           "tests/controlflow"], cwd=ROOT, env=environment(), capture_output=True, text=True,
                          timeout=2100, check=False)
    output = done.stdout[-6000:] + done.stderr[-2000:]
    assert done.returncode == 0, output
    summary = re.search(r"(\d+) passed", output)
    assert summary and int(summary.group(1)) >= 6 and " skipped" not in output, output
