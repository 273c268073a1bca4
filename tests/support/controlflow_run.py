"""The ControlFlow orchestrator's tests (tests/controlflow_orchestrator) in their own environment, as a job that runs
beside the rest of the suite: the session starts it once a worker is past the browser tests, if the test that
needs it is selected (tests/conftest.py), and that test (tests/integration/test_controlflow_backend.py) collects its
result. The job makes or renews the environment first (tests/support/controlflow_env.py), then runs the nested
pytest.

    python -m tests.support.controlflow_run FOLDER      writes FOLDER/stdout and FOLDER/stderr, then FOLDER/returncode
"""

import os
import signal
import subprocess
import sys
import tempfile
import time
import traceback
from pathlib import Path

from tests.support.controlflow_env import ROOT, controlflow_python, environment

TEST = ("tests/integration/test_controlflow_backend.py::"
        "test_the_controlflow_orchestrator_passes_its_tests_in_its_own_environment")
SESSION = "BOTARMY_TEST_SESSION"  # names the session's job folder; set by the first process of the session
# Serially (-n 0): it runs beside the whole suite already, and so more slowly than alone, hence the longer timeout
# of each test (each starts Prefect's server, up to three times).
NESTED = ["-m", "pytest", "-q", "-p", "no:cacheprovider", "-n", "0", "--timeout", "900", "-x",
          "tests/controlflow_orchestrator"]
NESTED_TIMEOUT_S = 2100


def folder() -> Path:
    return Path(tempfile.gettempdir()) / f"botarmy-controlflow-{os.environ[SESSION]}"


def start() -> subprocess.Popen | None:
    """Start the session's job, unless it has been started already; in a process group of its own, so that
    stop() ends it with the servers of its tests."""
    try:
        folder().mkdir()
    except FileExistsError:
        return None
    with open(folder() / "job.log", "wb") as log:
        return subprocess.Popen([sys.executable, "-m", "tests.support.controlflow_run", str(folder())], cwd=ROOT,
                                env=environment(), stdout=log, stderr=subprocess.STDOUT, start_new_session=True)


def stop(job: subprocess.Popen) -> None:
    """End the job if it still runs (the session ended without collecting it), and remove its folder."""
    if job.poll() is None:
        os.killpg(job.pid, signal.SIGTERM)
        try:
            job.wait(15)
        except subprocess.TimeoutExpired:
            os.killpg(job.pid, signal.SIGKILL)
            job.wait()
    for path in sorted(folder().glob("*"), reverse=True):
        path.unlink()
    folder().rmdir()


def result(timeout: float) -> subprocess.CompletedProcess:
    """The nested pytest's outcome, once the job has one (started here if the session has not started it)."""
    start()
    done, deadline = folder() / "returncode", time.monotonic() + timeout
    while not done.exists():
        if time.monotonic() > deadline:
            raise TimeoutError(f"the ControlFlow tests gave no result within {timeout:.0f} s:\n"
                               f"{(folder() / 'job.log').read_text(errors='replace')[-3000:]}")
        time.sleep(0.5)
    return subprocess.CompletedProcess(NESTED, int(done.read_text()), (folder() / "stdout").read_text(),
                                       (folder() / "stderr").read_text())


def main(out: Path) -> None:
    try:
        done = subprocess.run([str(controlflow_python()), *NESTED], cwd=ROOT, env=environment(), capture_output=True,
                              text=True, timeout=NESTED_TIMEOUT_S, check=False)
        returncode, stdout, stderr = done.returncode, done.stdout, done.stderr
    except Exception:  # noqa: BLE001 - whatever went wrong is the test's failure message, not a lost job
        returncode, stdout, stderr = 1, "", traceback.format_exc()
    (out / "stdout").write_text(stdout)
    (out / "stderr").write_text(stderr)
    (out / "returncode.part").write_text(str(returncode))
    (out / "returncode.part").rename(out / "returncode")  # last, and at once: the collector reads the rest after it


if __name__ == "__main__":
    main(Path(sys.argv[1]))
