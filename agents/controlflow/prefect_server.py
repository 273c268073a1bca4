"""Prefect's API server, which ControlFlow records its tasks in, as a child process that lives and dies with ours.

Left to itself, Prefect starts an "ephemeral" server on first use: synchronously (about 11 s here, blocking the event
loop) and stopped only by an atexit hook, so a SIGTERM leaves it running. Here it starts when the ControlFlow
orchestrator starts and is waited for without blocking the loop; it stops with the app, and on Linux the kernel stops
it too should this process die without doing so (PR_SET_PDEATHSIG, set by the child itself before it runs the
server).
"""

import asyncio
import logging
import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

log = logging.getLogger("botarmy.controlflow")

START_TIMEOUT_S = 180
STOP_TIMEOUT_S = 10
PREFECT_DID_NOT_START = "Prefect's server did not start; its output is in {log_path}."

# The child: ask the kernel for SIGTERM when its parent dies, leave if the parent is already gone, then run
# Prefect's server app under uvicorn, as Prefect's own SubprocessASGIServer does.
_BOOTSTRAP = """
import ctypes, os, runpy, signal, sys
if sys.platform == "linux":
    ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
if os.getppid() != int(sys.argv[1]):
    sys.exit(0)
sys.argv = ["uvicorn", *sys.argv[2:]]
runpy.run_module("uvicorn", run_name="__main__", alter_sys=True)
"""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _without_secrets(environment: dict[str, str]) -> dict[str, str]:
    """Prefect's server needs none of BotArmy's settings, the API key and the session secret least of all."""
    return {key: value for key, value in environment.items() if not key.startswith(("OPENAI_", "BOTARMY_"))}


class PrefectServer:
    def __init__(self, port: int, log_path: Path) -> None:
        self.port = port
        self.log_path = log_path
        self.process: subprocess.Popen | None = None

    @property
    def api_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/api"

    async def start(self, environment: dict[str, str]) -> None:
        """Start the server and wait until it answers, without blocking the event loop."""
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        # Forked from the event loop's thread, which lives as long as the process: the death signal is tied to the
        # thread that forked, not to the process.
        with open(self.log_path, "ab") as output:
            self.process = subprocess.Popen(
                [sys.executable, "-c", _BOOTSTRAP, str(os.getpid()),
                 "--factory", "prefect.server.api.server:create_app", "--host", "127.0.0.1", "--port", str(self.port),
                 "--log-level", "error", "--lifespan", "on"],
                env={**_without_secrets(os.environ), **environment, "PREFECT__SERVER_EPHEMERAL": "1",
                     "PREFECT__SERVER_FINAL": "1"},
                stdin=subprocess.DEVNULL, stdout=output, stderr=subprocess.STDOUT)
        log.info("Prefect server starting (pid %d, port %d)", self.process.pid, self.port)
        started = time.monotonic()
        while not await asyncio.to_thread(self._answers):
            if self.process.poll() is not None or time.monotonic() - started > START_TIMEOUT_S:
                raise RuntimeError(PREFECT_DID_NOT_START.format(log_path=self.log_path))
            await asyncio.sleep(0.2)
        log.info("Prefect server ready in %.1f s", time.monotonic() - started)

    def _answers(self) -> bool:
        try:
            with urllib.request.urlopen(f"{self.api_url}/health", timeout=2) as response:
                return response.status == 200
        except OSError:
            return False

    async def stop(self) -> None:
        process, self.process = self.process, None
        if process is None or process.poll() is not None:
            return
        process.terminate()
        try:
            await asyncio.to_thread(process.wait, STOP_TIMEOUT_S)
        except subprocess.TimeoutExpired:
            process.kill()
            await asyncio.to_thread(process.wait)
        log.info("Prefect server stopped")
