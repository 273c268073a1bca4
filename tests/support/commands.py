"""Commands in a run's workspace through the REST API, as a client runs them, and what the sandbox left on the
host afterwards."""

import json
import os
import time
from dataclasses import dataclass

import httpx

from core.sandbox.base import Limits
from core.sandbox.bubblewrap import Bubblewrap


@dataclass
class Finished:
    detail: dict  # the command as GET /api/runs/{id} lists it
    output: str  # what the run kept of its output

    @property
    def status(self) -> str:
        return self.detail["status"]


def wait_for_run(api: httpx.Client, run_id: str, timeout: float = 180, *, leaving: str = "running") -> dict:
    """The run once its status is no longer `leaving`."""
    deadline = time.monotonic() + timeout
    while (run := api.get(f"/api/runs/{run_id}").json())["status"] == leaving:
        assert time.monotonic() < deadline, f"run {run_id} still {leaving} after {timeout} s"
        time.sleep(0.2)
    return run


def output_of(api: httpx.Client, run_id: str, command_id: str) -> str:
    """The command's output as the run's events hold it (read the SSE stream once, to its end)."""
    body = api.get(f"/api/runs/{run_id}/events", params={"follow": "false"}).text
    events = [json.loads(line[6:]) for line in body.splitlines() if line.startswith("data: ")]
    return "".join(e["value"]["text"] for e in events if e.get("name") == "command_output"
                   and e["value"]["command_id"] == command_id)


def start_command(api: httpx.Client, run_id: str, command: str) -> str:
    response = api.post(f"/api/runs/{run_id}/commands", json={"command": command})
    assert response.status_code == 202, response.text
    return response.json()["command_id"]


def wait_for_command(api: httpx.Client, run_id: str, command_id: str, timeout: float = 120) -> Finished:
    deadline = time.monotonic() + timeout
    while True:
        commands = {c["command_id"]: c for c in api.get(f"/api/runs/{run_id}").json()["commands"]}
        if commands[command_id]["status"] != "running":
            return Finished(commands[command_id], output_of(api, run_id, command_id))
        assert time.monotonic() < deadline, f"command {command_id} still running after {timeout} s"
        time.sleep(0.2)


def run_command(api: httpx.Client, run_id: str, command: str, timeout: float = 120) -> Finished:
    return wait_for_command(api, run_id, start_command(api, run_id, command), timeout)


def sandbox_processes(server) -> list[int]:
    """Processes on the host that run as the sandbox user of one of the server's runs (each run's commands run as
    a user of their own): other servers' sandboxes, of other test workers or test sessions, are not its business."""
    sandbox = Bubblewrap(Limits())
    uids = {sandbox.owner(run_id)[0] for run_id in server.run_ids()} if sandbox.as_root else set()
    found = []
    for entry in os.scandir("/proc"):
        if entry.name.isdigit():
            try:
                if os.stat(entry.path).st_uid in uids:
                    found.append(int(entry.name))
            except OSError:
                continue
    return found


def no_sandbox_process_left(server, timeout: float = 10) -> None:
    """The server's sandbox processes end within `timeout`: the kernel ends a sandbox shortly after its bubblewrap
    (or the server that started it) is gone, not in the same instant."""
    deadline = time.monotonic() + timeout
    while sandbox_processes(server):
        assert time.monotonic() < deadline, f"sandbox processes outlived their command: {sandbox_processes(server)}"
        time.sleep(0.2)
