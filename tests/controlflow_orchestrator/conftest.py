"""Servers on the ControlFlow orchestrator. These tests need ControlFlow, which needs an older FastAPI than the main
environment's: tests/integration/test_controlflow_backend.py runs them in a virtual environment of their own."""

import importlib.util
import time
from pathlib import Path

import httpx
import pytest

from tests.support.server import Server, start_server

if importlib.util.find_spec("controlflow") is None:  # the main environment: its own venv runs these
    collect_ignore_glob = ["test_*.py"]

CONTROLFLOW = {"BOTARMY_ORCHESTRATOR": "controlflow"}


def start(folder: Path, env: dict[str, str] | None = None, port: int | None = None) -> Server:
    """A server whose home and temp folders are empty folders of its own, ready to run (Prefect's server up)."""
    for name in ("home", "tmp", "data"):
        (folder / name).mkdir(parents=True, exist_ok=True)
    server = start_server(folder / "data", {"HOME": str(folder / "home"), "TMPDIR": str(folder / "tmp"),
                                            "BOTARMY_DEMO_TOKEN_DELAY_MS": "0", **(env or {})}, port)
    deadline = time.monotonic() + 180
    while not httpx.get(f"{server.url}/health", timeout=5).json()["orchestrator_ready"]:
        if time.monotonic() > deadline or server.process.poll() is not None:
            server.stop()
            raise RuntimeError(f"the orchestrator did not get ready:\n{server.log()}")
        time.sleep(0.2)
    return server


@pytest.fixture(scope="module")
def controlflow_server(tmp_path_factory):
    with start(tmp_path_factory.mktemp("controlflow"), CONTROLFLOW) as server:
        yield server


def start_run(server: Server, brief: str, approvals: str = "none") -> str:
    with server.api() as api:
        response = api.post("/api/runs", json={"brief": brief, "approvals": approvals})
    assert response.status_code == 201, response.text
    return response.json()["run_id"]


def settled(server: Server, run_id: str, *statuses: str, timeout: float = 120) -> dict:
    """The run's detail once its status is one of `statuses` and no task works on it."""
    deadline = time.monotonic() + timeout
    with server.api() as api:
        while True:
            run = api.get(f"/api/runs/{run_id}").json()
            if run["status"] in statuses and api.get("/health").json()["active_runs"] == 0:
                return run
            assert time.monotonic() < deadline, f"run is {run['status']}, not {statuses}"
            time.sleep(0.1)


JOINED = {("CUSTOM", "command_output"), ("TEXT_MESSAGE_CONTENT", None)}  # consecutive ones are one in a shape


def shape(events: list[dict]) -> list[tuple]:
    """What happened in a run, without ids, times, text or counts: the kinds of events, in order. A command's output
    is recorded in as many events as the time it took cut it into, and an answer's text in as many as the process
    had chunks of it ready at once (agents.reading; a busy machine, fewer), so consecutive ones are one."""
    kinds = []
    for event in events:
        kind = (event["type"], event.get("name"))
        if not (kind in JOINED and kinds and kinds[-1] == kind):
            kinds.append(kind)
    return kinds


def prefect_servers(server: Server) -> list[int]:
    """The Prefect server processes this server started (its children running Prefect's app)."""
    pids = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
            cmdline = (stat.parent / "cmdline").read_bytes()
        except OSError:
            continue
        if int(fields[1]) == server.process.pid and b"prefect.server.api" in cmdline:
            pids.append(int(stat.parent.name))
    return pids


def gone(pid: int, timeout: float = 20) -> bool:
    """The process ended (or is a zombie waiting to be reaped) within `timeout`."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
        except OSError:
            return True
        if state == "Z":
            return True
        time.sleep(0.1)
    return False


def environment_of(pid: int) -> dict[str, str]:
    raw = Path(f"/proc/{pid}/environ").read_bytes().split(b"\0")
    return dict(item.decode(errors="replace").split("=", 1) for item in raw if b"=" in item)


def files_under(folder: Path) -> list[str]:
    return sorted(str(path.relative_to(folder)) for path in folder.rglob("*"))


