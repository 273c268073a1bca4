"""A server that does not run as root gets the same sandbox through a user namespace: the command keeps the
server's user, and the limit on processes holds inside the namespace. Driven here by dropping to `nobody` with
Debian's own Python (the sandbox code is the standard library only)."""

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest

pytestmark = pytest.mark.sandbox

ROOT = Path(__file__).resolve().parents[2]
SYSTEM_PYTHON = "/usr/bin/python3"
SCRIPT = """
import asyncio, sys
sys.path.insert(0, {root!r})
from pathlib import Path
from core.sandbox.base import Job, Limits
from core.sandbox.bubblewrap import Bubblewrap

class Sink:
    def __init__(self):
        self.data = bytearray()
    def write(self, data):
        self.data += data
        return True

async def main():
    sandbox = Bubblewrap(Limits(wall_s=8, processes=16))
    assert not sandbox.as_root and sandbox.check() is None, sandbox.problem()
    for command in ["id -u; echo written > /workspace/out; ls /", {bomb!r}]:
        sink = Sink()
        ended = await sandbox.start(Job(command, Path({workspace!r}), "run"), sink).wait()
        print(repr(sink.data.decode(errors="replace")), ended.code, ended.stopped)

asyncio.run(main())
"""


@pytest.fixture
def workspace():
    """A folder of nobody's, where nobody can reach it (pytest's own temporary folders are root's only)."""
    folder = Path(tempfile.mkdtemp(prefix="botarmy-nobody-"))
    os.chmod(folder, 0o755)
    os.chown(folder, 65534, 65534)
    yield folder
    shutil.rmtree(folder)


@pytest.mark.skipif(os.geteuid() != 0 or not Path(SYSTEM_PYTHON).exists(), reason="needs root to become nobody")
def test_as_another_user_the_sandbox_holds_too(workspace):
    if not all(os.stat(path).st_mode & 0o005 == 0o005 for path in [ROOT, *ROOT.parents]):
        pytest.skip("the checkout is not readable by other users")
    # Forks children that stay until the limit refuses one, then says how many it got.
    bomb = ("python3 -c \"import os, time; exec('n = 0\\\\ntry:\\\\n while n < 1000:\\\\n  if os.fork() == 0:\\\\n"
            "   time.sleep(5); os._exit(0)\\\\n  n += 1\\\\nexcept OSError:\\\\n print(n)')\"")
    done = subprocess.run(
        [shutil.which("setpriv"), "--reuid=65534", "--regid=65534", "--clear-groups", SYSTEM_PYTHON, "-c",
         SCRIPT.format(root=str(ROOT), workspace=str(workspace), bomb=bomb)],
        env={"PATH": "/usr/bin:/bin", "HOME": "/tmp"}, cwd="/", capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-3000:]
    first, second = done.stdout.splitlines()
    assert first.startswith("'65534\\r\\n") and "workspace" in first and "root" not in first
    assert (workspace / "out").read_text() == "written\n"
    forks = int(second.split("'")[1].split("\\r")[0])
    assert 5 < forks < 16 and second.endswith(" 0 None")  # the limit of 16 processes held
