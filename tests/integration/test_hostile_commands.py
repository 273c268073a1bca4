"""Generated code and typed commands are hostile until proven otherwise. Each attack runs in a real bubblewrap
sandbox through the REST API of a real server whose environment holds an API key and a storage secret, and whose
home holds an SSH key: each is contained with a sentence saying how the command ended, nothing of the server's is
readable or writable from inside, a run streaming beside it keeps streaming, and nothing saved is lost."""

import json
import threading
import time
import uuid
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest

from core.domain.inputs import EMPTY_COMMAND, MULTILINE_COMMAND
from tests.support.commands import (
    no_sandbox_process_left,
    run_command,
    sandbox_processes,
    start_command,
    wait_for_command,
    wait_for_run,
)
from tests.support.demo_model import add_model
from tests.support.server import start_server

pytestmark = pytest.mark.sandbox

API_KEY = "sk-hostile-test-KEY-9f8e7d6c5b4a"
STORAGE_SECRET = "storage-secret-MARKER-1a2b3c4d"
SSH_KEY = "-----BEGIN OPENSSH PRIVATE KEY----- SSH-MARKER-5e6f7a8b"
LIMITS = {"BOTARMY_COMMAND_TIMEOUT_S": "6", "BOTARMY_COMMAND_CPU_S": "2", "BOTARMY_COMMAND_MEMORY_MB": "256",
          "BOTARMY_COMMAND_PROCESSES": "32", "BOTARMY_COMMAND_OUTPUT_KB": "64", "BOTARMY_COMMAND_LOG_MB": "8",
          "BOTARMY_COMMAND_FILE_MB": "16"}


@pytest.fixture(scope="module")
def paced_model(tmp_path_factory, demo_models):
    """An OpenAI-compatible endpoint that streams at 100 tokens a second, so a run streams long enough to watch (a
    model of the session's demo-model process, not a whole app started for it)."""
    model = add_model(demo_models, tmp_path_factory.mktemp("paced-model"), "", 10)
    yield model
    model.stop()


@pytest.fixture(scope="module")
def server(tmp_path_factory, paced_model):
    home = tmp_path_factory.mktemp("home")
    (home / ".ssh").mkdir()
    (home / ".ssh" / "id_rsa").write_text(SSH_KEY)
    env = {"OPENAI_API_KEY": API_KEY, "OPENAI_BASE_URL": f"{paced_model.url}/demo/v1", "BOTARMY_MODEL": "botarmy-demo",
           "BOTARMY_STORAGE_SECRET": STORAGE_SECRET, "HOME": str(home), "BOTARMY_MAX_RUNS_PER_USER": "20",
           "BOTARMY_STARTS_PER_MINUTE": "100", **LIMITS}
    with start_server(tmp_path_factory.mktemp("hostile"), env) as server:
        server.home = home
        yield server


@pytest.fixture(scope="module")
def target(api):
    """A run that stopped for approval after the Analyst (its workspace holds the requirements), and what it had
    saved before any attack: all of that must still be there after them."""
    run = api.post("/api/runs", json={"brief": "A seed library for a village.", "approvals": "analyst"}).json()
    assert wait_for_run(api, run["run_id"])["status"] == "waiting_approval"
    return run["run_id"], api.get(f"/api/runs/{run['run_id']}/artifacts").json()


@pytest.fixture(scope="module")
def run_id(target):
    return target[0]


@pytest.fixture(scope="module")
def saved(target):
    return target[1]


def secrets_in(text: str) -> list[str]:
    return [secret for secret in (API_KEY, STORAGE_SECRET, SSH_KEY) if secret in text]


class StreamWatch:
    """Another run, streaming while an attack runs: when each token arrived, and how fast /health answered."""

    def __init__(self, server) -> None:
        self.server, self.arrivals, self.health = server, [], []
        self._stop = threading.Event()

    def _follow(self, run_id: str) -> None:
        with self.server.api() as client, client.stream("GET", f"/api/runs/{run_id}/events", timeout=120) as events:
            for line in events.iter_lines():
                if self._stop.is_set():
                    return
                if line.startswith("data: ") and '"TEXT_MESSAGE_CONTENT"' in line:
                    self.arrivals.append(time.monotonic())
                if line.startswith("data: ") and json.loads(line[6:])["type"] in ("RUN_FINISHED", "RUN_ERROR"):
                    return

    def _ping(self) -> None:
        while not self._stop.is_set():
            started = time.monotonic()
            httpx.get(f"{self.server.url}/health", timeout=30).raise_for_status()
            self.health.append(time.monotonic() - started)
            time.sleep(0.5)

    @contextmanager
    def during(self):
        with self.server.api() as client:
            run_id = client.post("/api/runs", json={"brief": "A tide table for a harbour.", "approvals": "none"}
                                 ).json()["run_id"]
        threads = [threading.Thread(target=self._follow, args=(run_id,), daemon=True),
                   threading.Thread(target=self._ping, daemon=True)]
        for thread in threads:
            thread.start()
        while not self.arrivals:  # the run streams before the attack starts
            time.sleep(0.05)
        started = time.monotonic()
        yield
        ended = time.monotonic()
        self._stop.set()
        window = [t for t in self.arrivals if started <= t <= ended]
        gaps = [b - a for a, b in zip([started, *window], [*window, ended])]
        assert window, "the other run streamed nothing while the attack ran"
        assert max(gaps) < 5, f"the other run stalled for {max(gaps):.1f} s while the attack ran"
        assert max(self.health) < 5, f"/health took {max(self.health):.1f} s while the attack ran"


def test_fork_bombs_are_held_at_the_process_limit_then_stopped_by_the_time_limit(server, api, run_id):
    # The classic bomb dies out at the limit (a shell that cannot fork gives up); this one keeps trying.
    relentless = "python -c \"import os; exec('while True:\\n try: os.fork()\\n except OSError: pass')\""
    with StreamWatch(server).during():
        command_id = start_command(api, run_id, relentless)
        peak = 0
        for _ in range(20):
            peak = max(peak, len(sandbox_processes(server)))
            time.sleep(0.2)
        ended = wait_for_command(api, run_id, command_id)
    assert 10 < peak <= 32, f"{peak} processes at the peak, the limit is 32"
    assert (ended.status, ended.detail["ending"]) == ("timeout", "time_limit"), ended.detail
    assert ended.detail["message"] == "Stopped: it ran longer than the time limit of 6 s."
    no_sandbox_process_left(server)
    # `exec`: the shell waits without a fork of its own, which the bomb would make fail at the limit.
    classic = run_command(api, run_id, "b() { b | b & }; b; exec sleep 60")
    assert classic.status == "timeout" and "Cannot fork" in classic.output
    no_sandbox_process_left(server)


def test_a_memory_bomb_fails_alone_and_many_processes_together_are_stopped(server, api, run_id):
    one = run_command(api, run_id, 'python -c "x = bytearray(4 * 1024**3)"')
    assert (one.status, one.detail["exit_code"]) == ("failed", 1) and "MemoryError" in one.output
    with StreamWatch(server).during():
        many = run_command(api, run_id, "python -c \"import os, time; [os.fork() for _ in range(3)]; "
                                        "x = b'x' * (100 * 1024**2); time.sleep(30)\"")
    assert (many.status, many.detail["ending"]) == ("failed", "memory_limit")
    assert "used more memory than the limit allows" in many.detail["message"]
    no_sandbox_process_left(server)


def test_an_endless_loop_meets_the_cpu_limit_and_a_sleeper_the_time_limit(server, api, run_id):
    with StreamWatch(server).during():
        busy = run_command(api, run_id, 'python -c "while True: pass"')
    # Whichever limit it meets first: 2 s of CPU, or 6 s of wall time on a machine too busy to give it 2 s.
    assert (busy.status, busy.detail["ending"]) in {("failed", "signalled"), ("timeout", "time_limit")}
    assert "SIGXCPU (its CPU time limit)" in busy.detail["message"] or "time limit" in busy.detail["message"]
    sleeper = run_command(api, run_id, "sleep 600")
    assert sleeper.status == "timeout" and 5 <= sleeper.detail["duration_ms"] / 1000 < 16
    no_sandbox_process_left(server)


def test_a_100_mb_flood_is_cut_in_the_run_stopped_at_the_log_limit_and_downloadable(server, api, run_id):
    with StreamWatch(server).during():
        flood = run_command(api, run_id, "yes 'a flood of text' | head -c 100000000")
    assert (flood.status, flood.detail["ending"]) == ("failed", "output_limit")
    assert flood.detail["message"].endswith("it printed more than the output limit of 8 MB.")
    assert flood.detail["cut"] and len(flood.output) == 64 * 1024  # what the run keeps, then a note where it ends
    log = api.get(f"/api/runs/{run_id}/commands/{flood.detail['command_id']}/log")
    assert log.headers["content-disposition"].startswith("attachment")
    assert len(log.content) == 8 * 2**20 and log.content.startswith(b"a flood of text\r\n")


@pytest.mark.parametrize("command", [
    "cat ~/.ssh/id_rsa {home}/.ssh/id_rsa; ls -a /root {home}",
    "ls {data}; cat {data}/botarmy.sqlite3 {data}/storage_secret {data}/logs/botarmy.log",
    "cat /proc/{pid}/environ; cat /proc/1/environ; env; ls /proc",
    "grep -rl -e MARKER -e KEY /tmp /etc /workspace /proc/self/environ; cat /no/such/file",
])
def test_the_home_the_data_directory_and_the_servers_environment_are_not_readable(server, api, run_id, command):
    done = run_command(api, run_id, command.format(home=server.home, data=server.data_dir, pid=server.process.pid))
    assert secrets_in(done.output) == []
    assert not secrets_in(api.get(f"/api/runs/{run_id}/commands/{done.detail['command_id']}/log").text)
    assert "No such file or directory" in done.output


def test_no_connection_leaves_the_sandbox(server, api, run_id):
    done = run_command(api, run_id, f"python -c \"import socket; socket.create_connection(('127.0.0.1', "
                                     f"{server.port}), timeout=3)\"; getent hosts pypi.org || echo no-dns")
    assert done.status == "passed"  # the shell's last word: no DNS either
    assert "Network is unreachable" in done.output or "Connection refused" in done.output
    assert done.output.rstrip().endswith("no-dns")


def test_nothing_outside_the_workspace_can_be_written(server, api, run_id):
    marker = f"sandbox-wrote-{uuid.uuid4().hex}"
    done = run_command(api, run_id, f"touch /usr/{marker} /etc/{marker} /{marker} /root/{marker} "
                                    f"{server.data_dir}/{marker}; echo private > /tmp/{marker}; "
                                    f"echo mine > inside.txt; kill -9 -1")
    assert "Read-only file system" in done.output
    for path in (Path("/usr") / marker, Path("/etc") / marker, Path("/") / marker, Path("/tmp") / marker,
                 server.data_dir / marker):
        assert not path.exists(), path
    assert (server.data_dir / "workspaces" / run_id / "inside.txt").read_text() == "mine\n"
    assert httpx.get(f"{server.url}/health").status_code == 200  # kill -1 reached the sandbox's processes only


def test_links_left_in_the_workspace_never_lead_the_server_outside_it(server, api, run_id, saved):
    database = server.data_dir / "botarmy.sqlite3"
    before = database.stat().st_size
    # The run waits at the Analyst's approval: requirements.md is the project's one file, linked out twice.
    for outside in (database, "/etc/passwd"):
        run_command(api, run_id, f"ln -sf {outside} requirements.md; mkfifo -m 600 pipe 2>/dev/null; true")
        again = run_command(api, run_id, "ls -l requirements.md; head -n 1 requirements.md")
        assert again.status == "passed" and "->" not in again.output  # the server put the real file back
        assert again.output.rstrip().endswith(saved[0]["content"].splitlines()[0])
    assert database.stat().st_size >= before and api.get(f"/api/runs/{run_id}").status_code == 200


def test_shell_metacharacters_work_inside_the_sandbox_and_only_there(server, api, run_id):
    done = run_command(api, run_id, 'echo one; echo two && echo $((6*7)) | cat > out.txt; cat out.txt; '
                                    'echo "$(id -u)" `whoami`; echo $HOME')
    lines = done.output.split("\r\n")
    assert lines[:3] == ["one", "two", "42"] and lines[4] == "/tmp"
    assert int(lines[3].split()[0]) >= 2_000_000_000 and lines[3].split()[1] == "sandbox"


@pytest.mark.parametrize(("command", "status", "detail"), [
    ("ls\nrm -rf /workspace", 422, MULTILINE_COMMAND),
    ("", 422, EMPTY_COMMAND),
    ("x" * 100_000, 422, "The command is 100,000 characters long; the limit is 4,000."),
    ({"not": "text"}, 422, "command"),
])
def test_unusable_commands_are_refused_before_anything_runs(api, run_id, command, status, detail):
    before = len(api.get(f"/api/runs/{run_id}").json()["commands"])
    response = api.post(f"/api/runs/{run_id}/commands", json={"command": command})
    assert (response.status_code, detail in response.json()["detail"]) == (status, True)
    assert len(api.get(f"/api/runs/{run_id}").json()["commands"]) == before


def test_someone_elses_run_is_not_found(server, api, run_id):
    command_id = run_command(api, run_id, "echo mine").detail["command_id"]
    with server.api("intruder") as intruder:
        for method, path in [("post", f"/api/runs/{run_id}/commands"),
                             ("post", f"/api/runs/{run_id}/commands/{command_id}/interrupt"),
                             ("get", f"/api/runs/{run_id}/commands/{command_id}/log")]:
            response = intruder.request(method.upper(), path, json={"command": "cat /etc/passwd"})
            assert (response.status_code, response.json()["detail"]) == (404, "No such run."), path


def test_after_every_attack_what_was_saved_is_intact(server, api, run_id, saved):
    assert api.get(f"/api/runs/{run_id}/artifacts").json() == saved
    assert api.get(f"/api/runs/{run_id}").json()["status"] == "waiting_approval"
    no_sandbox_process_left(server)  # every command has ended; the kernel ends its sandbox a moment later
