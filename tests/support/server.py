"""Start `python main.py` as a real subprocess on a free port, with its own data dir, and wait until it is ready."""

import asyncio
import contextlib
import dataclasses
import json
import os
import signal
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import httpx

from core.domain.inputs import InputError
from core.settings import Settings
from core.storage.backends import storage_for
from core.users import admin

ROOT = Path(__file__).resolve().parents[2]
JSON_LOG = Path("logs") / "botarmy.log"
# `python main.py users …` is core.users.admin.main(argv, storage_for) behind the whole app's imports; tests that
# manage users call that entry point without them, in one short process, and `python main.py users` itself stays
# tested as an operator runs it (test_access). API tokens, which most tests need one of, are made by the same code in
# this process (api_token): a process per token cost 1.1–1.7 s of CPU.
USERS = """import sys
from core.storage.backends import storage_for
from core.users.admin import main
sys.exit(main(sys.argv[1:], storage_for))"""


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
    env: dict[str, str] = field(default_factory=dict)  # what it was started with, beyond server_env's defaults
    tokens: dict[str, str] = field(default_factory=dict)  # API tokens made by token(), by user
    user: str = "tester"  # whom api() and token() act for unless told
    log_from: int = 0  # where log() and log_entries() start: a shared server's tests read only their own lines
    entries_from: int = 0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def log(self) -> str:
        with open(self.log_path, "rb") as log:
            log.seek(self.log_from)
            return log.read().decode(errors="replace")

    def log_entries(self) -> list[dict]:
        """The JSON lines of the server's log file so far; a line still being written is left out."""
        path = self.data_dir / JSON_LOG
        if not path.exists():
            return []
        with open(path, "rb") as log:
            log.seek(self.entries_from)
            text = log.read().decode(errors="replace")
        return [json.loads(line) for line in text.split("\n")[:-1]]

    def stream_ends(self) -> list[float]:
        """When the demo model saw each of its answer streams closed, as Unix timestamps."""
        return [datetime.fromisoformat(entry["ts"]).timestamp() for entry in self.log_entries()
                if entry["message"].startswith("demo stream ended after")]

    def events(self, run_id: str) -> list[dict]:
        """The run's stored events, read straight from the server's SQLite file."""
        with sqlite3.connect(database_path(self.data_dir)) as db:
            rows = db.execute("SELECT payload FROM events WHERE run_id = ? ORDER BY seq", (run_id,)).fetchall()
        return [json.loads(payload) for (payload,) in rows]

    def run_ids(self) -> list[str]:
        with sqlite3.connect(database_path(self.data_dir)) as db:
            return [run_id for (run_id,) in db.execute("SELECT run_id FROM runs")]

    def runs_of_thread(self, thread_id: str) -> list[str]:
        """The runs that answer an AG-UI thread of this name: one per user that used the name."""
        with sqlite3.connect(database_path(self.data_dir)) as db:
            return [run_id for (run_id,) in db.execute("SELECT run_id FROM runs WHERE thread_id = ?", (thread_id,))]

    def artifacts(self, run_id: str) -> dict[str, str]:
        return {e["value"]["agent"]: e["value"]["content"] for e in self.events(run_id)
                if e["type"] == "CUSTOM" and e["name"] == "artifact_saved"}

    def users(self, *args: str, password: str | None = None) -> str:
        return _users(["-c", USERS], self.data_dir, *args, password=password, env=self.env)

    def token(self, user: str | None = None) -> str:
        """An API token of `user` (this server's user by default), a user for API tokens only, added on first use;
        one token per user and server."""
        user = user or self.user
        if user not in self.tokens:
            self.tokens[user] = api_token(self.data_dir, user, self.env)
        return self.tokens[user]

    def api(self, user: str | None = None, timeout: float = 60) -> httpx.Client:
        """An HTTP client of the server that acts as `user` (close it, or use it in a `with`)."""
        return httpx.Client(base_url=self.url, timeout=timeout, headers={"Authorization": f"Bearer {self.token(user)}"})

    def knowing(self, tokens: dict[str, str]) -> "Server":
        """This server, with the API tokens made before on its data (a server restarted on the same data dir):
        stored there, they need not be made again, a process each."""
        self.tokens.update(tokens)
        return self

    def lease(self, user: str) -> "Server":
        """The same process for a test of its own: `user` by default, and the log from here on."""
        json_log = self.data_dir / JSON_LOG
        return dataclasses.replace(self, user=user, log_from=self.log_path.stat().st_size,
                                   entries_from=json_log.stat().st_size if json_log.exists() else 0)

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


# What a server started here is unless `env` says otherwise: no approvals to wait for (most tests are not about
# them), and the demo model streaming eight tokens a chunk, as servers that batch tokens do: a demo run makes ~270
# events instead of ~1,760 (its server CPU 1.12 s → 0.37 s; the servers' and Chromium's CPU were most of the
# suite's), the fault-injecting models (tests/support/demo_model.py) too. The benches stream a token a
# chunk, as OpenAI does (ONE_TOKEN_A_CHUNK).
TOKENS_PER_CHUNK = 8
SERVER_DEFAULTS = {"BOTARMY_APPROVALS": "none", "BOTARMY_DEMO_TOKENS_PER_CHUNK": str(TOKENS_PER_CHUNK)}
ONE_TOKEN_A_CHUNK = {"BOTARMY_DEMO_TOKENS_PER_CHUNK": "1"}
# The demo model without its pause between tokens (BOTARMY_DEMO_TOKEN_DELAY_MS, 20 ms by default): a run lasts
# ~1.2 s, for a test that only needs it done, not caught mid-stream.
UNPACED = {"BOTARMY_DEMO_TOKEN_DELAY_MS": "0"}


def server_env(env: dict[str, str] | None = None) -> dict[str, str]:
    """This process's environment without pytest's marker (NiceGUI would look for a test screen) or our settings,
    with SERVER_DEFAULTS under `env`."""
    child_env = {k: v for k, v in os.environ.items()
                 if k != "PYTEST_CURRENT_TEST" and not k.startswith(("OPENAI_", "BOTARMY_"))}
    child_env.update(SERVER_DEFAULTS)
    child_env.update(env or {})
    return child_env


def users_command(data_dir: Path, *args: str, password: str | None = None, env: dict[str, str] | None = None) -> str:
    """`python main.py users …` on a data dir, as an operator runs it (the password on stdin); its stdout."""
    return _users([str(ROOT / "main.py"), "users"], data_dir, *args, password=password, env=env)


def users_entry(data_dir: Path, *args: str, password: str | None = None) -> str:
    """What `python main.py users …` runs (core.users.admin.main with the app's stores), without the web app's
    imports: the same stdout, and an AssertionError with the stderr of a refusal."""
    return _users(["-c", USERS], data_dir, *args, password=password)


def api_token(data_dir: Path, user: str, env: dict[str, str] | None = None) -> str:
    """A new API token of `user` on a data dir (or the database `env` names), the user added first if need be: what
    `python main.py users add NAME --no-password` and `users token NAME` do (core.users.admin.execute), on the
    stores the server uses, while it runs; in a thread of its own, so that an async test's running event loop is no
    obstacle."""
    made = _add_and_token((env or {}).get("BOTARMY_DATABASE_URL"), data_dir, user)
    with ThreadPoolExecutor(1) as thread:
        return thread.submit(asyncio.run, made).result()


async def _add_and_token(database_url: str | None, data_dir: Path, name: str) -> str:
    stores = storage_for(database_url, database_path(data_dir))
    try:
        with contextlib.suppress(InputError):  # refused when the user exists: then just the token
            await admin.execute(stores, ["add", name, "--no-password"])
        return await admin.execute(stores, ["token", name])
    finally:
        await stores.close()


def database_path(data_dir: Path) -> Path:
    """The app's SQLite file in a data dir, by the app's own rule."""
    return Settings.model_construct(data_dir=data_dir).database_path


def _users(program: list[str], data_dir: Path | None = None, *args: str, password: str | None = None,
           env: dict[str, str] | None = None) -> str:
    data_dir_args = ["--data-dir", str(data_dir)] if data_dir is not None else []
    done = subprocess.run([sys.executable, *program, *args, *data_dir_args], cwd=ROOT, input=password,
                          capture_output=True, text=True, timeout=120, env=server_env(env), check=False)
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


def start_server(data_dir: Path, env: dict[str, str] | None = None, port: int | None = None, *,
                 role: str | None = None, kind: type[Server] = Server, python: Path | str = sys.executable,
                 program: list[str] | None = None, ready_s: float = 120) -> Server:
    """Runs go straight through unless `env` sets BOTARMY_APPROVALS: most tests are not about approvals.
    `role`: `web` or `worker` of a scaled deployment (`env` names its database and Redis), as a `kind` of Server.
    `python` is the interpreter (the ControlFlow orchestrator's has its own environment:
    tests/support/controlflow_env.py); `program` what it runs instead of main.py (tests/support/demo_model.py)."""
    attempts = 1 if port else 3
    for attempt in range(1, attempts + 1):
        try:
            return _start(data_dir, env or {}, port or free_port(), role, kind, python, program, ready_s)
        except PortTaken:
            if attempt == attempts:
                raise


class PortTaken(RuntimeError):
    """The free port found was taken before the server bound it (by another test process, or another suite)."""


def _start(data_dir: Path, env: dict[str, str], port: int, role: str | None, kind: type[Server],
           python: Path | str, program: list[str] | None, ready_s: float) -> Server:
    data_dir.mkdir(parents=True, exist_ok=True)
    log_path = data_dir / f"server-{port}.log"
    argv = [str(python), *(program or [str(ROOT / "main.py")]), *([role] if role else []), "--port", str(port),
            "--data-dir", str(data_dir)]
    with open(log_path, "ab") as log:
        process = subprocess.Popen(argv, cwd=data_dir, env=server_env(env), stdout=log, stderr=subprocess.STDOUT)
    server = kind(process, port, data_dir, log_path, env)
    deadline = time.monotonic() + ready_s
    while time.monotonic() < deadline:
        if process.poll() is not None:
            if "address already in use" in server.log():
                raise PortTaken(port)
            raise RuntimeError(f"server exited with {process.returncode}:\n{server.log()}")
        try:
            with urllib.request.urlopen(f"{server.url}/health", timeout=1) as response:
                if response.status == 200:
                    return server
        except OSError:
            time.sleep(0.1)
    server.stop()
    raise RuntimeError(f"server did not become ready:\n{server.log()}")
