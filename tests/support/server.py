"""Start `python main.py` as a real subprocess on a free port, with its own data dir, and wait until it is ready."""

import json
import os
import signal
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class Server:
    process: subprocess.Popen
    port: int
    data_dir: Path
    log_path: Path
    tokens: dict[str, str] = field(default_factory=dict)  # API tokens made by token(), by user

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def log_entries(self) -> list[dict]:
        """The JSON lines of the server's log file so far; a line still being written is left out."""
        path = self.data_dir / "logs" / "botarmy.log"
        text = path.read_text(errors="replace") if path.exists() else ""
        return [json.loads(line) for line in text.split("\n")[:-1]]

    def stream_ends(self) -> list[float]:
        """When the demo model saw each of its answer streams closed, as Unix timestamps."""
        return [datetime.fromisoformat(entry["ts"]).timestamp() for entry in self.log_entries()
                if entry["message"].startswith("demo stream ended after")]

    def events(self, run_id: str) -> list[dict]:
        """The run's stored events, read straight from the server's SQLite file."""
        with sqlite3.connect(self.data_dir / "botarmy.sqlite3") as db:
            rows = db.execute("SELECT payload FROM events WHERE run_id = ? ORDER BY seq", (run_id,)).fetchall()
        return [json.loads(payload) for (payload,) in rows]

    def runs_of_thread(self, thread_id: str) -> list[str]:
        """The runs that answer an AG-UI thread of this name: one per user that used the name."""
        with sqlite3.connect(self.data_dir / "botarmy.sqlite3") as db:
            return [run_id for (run_id,) in db.execute("SELECT run_id FROM runs WHERE thread_id = ?", (thread_id,))]

    def artifacts(self, run_id: str) -> dict[str, str]:
        return {e["value"]["agent"]: e["value"]["content"] for e in self.events(run_id)
                if e["type"] == "CUSTOM" and e["name"] == "artifact_saved"}

    def users(self, *args: str, password: str | None = None) -> str:
        return users_command(self.data_dir, *args, password=password)

    def token(self, user: str = "tester") -> str:
        """An API token of `user`, a user for API tokens only, added on first use; one token per user and server."""
        if user not in self.tokens:
            if user not in self.users("list"):
                self.users("add", user, "--no-password")
            self.tokens[user] = self.users("token", user)
        return self.tokens[user]

    def api(self, user: str = "tester", timeout: float = 60) -> httpx.Client:
        """An HTTP client of the server that acts as `user` (close it, or use it in a `with`)."""
        return httpx.Client(base_url=self.url, timeout=timeout, headers={"Authorization": f"Bearer {self.token(user)}"})

    def __enter__(self) -> "Server":
        return self

    def __exit__(self, *exc_info) -> None:
        self.stop()

    def stop(self, sig: int = signal.SIGTERM, timeout: float = 15) -> int:
        if self.process.poll() is None:
            self.process.send_signal(sig)
            try:
                self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        return self.process.returncode


def server_env(env: dict[str, str] | None = None) -> dict[str, str]:
    """This process's environment without pytest's marker (NiceGUI would look for a test screen) or our settings."""
    child_env = {k: v for k, v in os.environ.items()
                 if k != "PYTEST_CURRENT_TEST" and not k.startswith(("OPENAI_", "BOTARMY_"))}
    child_env["BOTARMY_APPROVALS"] = "none"
    child_env.update(env or {})
    return child_env


def users_command(data_dir: Path, *args: str, password: str | None = None, env: dict[str, str] | None = None) -> str:
    """`python main.py users …` on a data dir, as an operator runs it (the password on stdin); its stdout."""
    done = subprocess.run([sys.executable, str(ROOT / "main.py"), "users", *args, "--data-dir", str(data_dir)],
                          input=password, capture_output=True, text=True, timeout=60, env=server_env(env),
                          check=False)
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


def start_server(data_dir: Path, env: dict[str, str] | None = None, port: int | None = None, *,
                 role: str | None = None, kind: type[Server] = Server, python: Path | str = sys.executable,
                 ready_s: float = 30) -> Server:
    """Runs go straight through unless `env` sets BOTARMY_APPROVALS: most tests are not about approvals.
    `role`: `web` or `worker` of a scaled deployment (`env` names its database and Redis), as a `kind` of Server.
    `python` is the interpreter (the ControlFlow orchestrator's has its own environment:
    tests/support/controlflow_env.py)."""
    port = port or free_port()
    data_dir.mkdir(parents=True, exist_ok=True)
    child_env = server_env(env)
    log_path = data_dir / f"server-{port}.log"
    with open(log_path, "ab") as log:
        process = subprocess.Popen(
            [str(python), str(ROOT / "main.py"), *([role] if role else []), "--port", str(port),
             "--data-dir", str(data_dir)], cwd=data_dir, env=child_env, stdout=log, stderr=subprocess.STDOUT)
    server = kind(process, port, data_dir, log_path)
    deadline = time.monotonic() + ready_s
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"server exited with {process.returncode}:\n{server.log()}")
        try:
            with urllib.request.urlopen(f"{server.url}/health", timeout=1) as response:
                if response.status == 200:
                    return server
        except OSError:
            time.sleep(0.1)
    server.stop()
    raise RuntimeError(f"server did not become ready:\n{server.log()}")
