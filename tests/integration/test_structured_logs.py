"""A real server's logs: JSON lines in `<data dir>/logs/botarmy.log` and on stderr, tagged with the run and agent.

The server is started here rather than with tests.support.server because that helper mixes stdout (NiceGUI's
welcome line) into stderr, and stderr alone is what has to be JSON.
"""

import json
import socket
import subprocess
import sys
import time
import urllib.request

from agents.roles import AGENT_NAMES
from tests.support.server import ROOT, api_token, free_port, server_env

LOG_KEYS = {"ts", "level", "logger", "message", "run_id", "agent"}


def launch(data_dir, port: int) -> subprocess.Popen:
    data_dir.mkdir(parents=True, exist_ok=True)
    env = server_env({"BOTARMY_DEMO_TOKEN_DELAY_MS": "0"})
    with open(data_dir / "stdout.txt", "wb") as stdout, open(data_dir / "stderr.txt", "wb") as stderr:
        return subprocess.Popen(
            [sys.executable, str(ROOT / "main.py"), "--port", str(port), "--data-dir", str(data_dir)],
            cwd=data_dir, env=env, stdout=stdout, stderr=stderr)


def request(url: str, body: dict | None = None, token: str = "") -> dict:
    data = json.dumps(body).encode() if body is not None else None
    call = urllib.request.Request(url, data, {"Content-Type": "application/json", "Authorization": f"Bearer {token}"})
    with urllib.request.urlopen(call, timeout=5) as response:
        return json.loads(response.read())


def wait_until(check, seconds: float = 60):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            if result := check():
                return result
        except OSError:
            pass
        time.sleep(0.1)
    raise AssertionError("timed out")


def json_lines(path) -> list[dict]:
    lines = [json.loads(line) for line in path.read_text().splitlines()]
    assert lines and all(LOG_KEYS <= line.keys() for line in lines)
    return lines


def test_a_run_logs_json_lines_tagged_with_its_run_and_agents(tmp_path):
    data_dir, port = tmp_path / "data", free_port()
    server = launch(data_dir, port)
    try:
        url = f"http://127.0.0.1:{port}"
        wait_until(lambda: request(f"{url}/health"))
        token = api_token(data_dir, "ops")
        run_id = request(f"{url}/api/runs", {"brief": "A booking tool for a climbing gym."}, token)["run_id"]
        wait_until(lambda: request(f"{url}/api/runs/{run_id}", token=token)["status"] == "completed")
    finally:
        server.terminate()
        server.wait(15)

    logged = json_lines(data_dir / "logs" / "botarmy.log")
    assert {line["agent"] for line in logged if line["run_id"] == run_id} >= set(AGENT_NAMES)
    assert [line for line in json_lines(data_dir / "stderr.txt") if line["run_id"] == run_id]


def test_uvicorn_errors_stay_json_after_the_server_starts(tmp_path):
    """uvicorn configures its own logging in ui.run; a port already taken makes it log an error through it."""
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        server = launch(tmp_path / "data", taken.getsockname()[1])
        assert server.wait(30) != 0
    errors = [line for line in json_lines(tmp_path / "data" / "stderr.txt") if line["logger"] == "uvicorn.error"]
    assert errors and "address already in use" in errors[0]["message"]
