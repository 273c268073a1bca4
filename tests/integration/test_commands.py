"""Commands in a run's workspace through the REST API of a real server: they take turns, Stop interrupts at once,
the whole log is downloadable, a server killed mid-command records how it ended, deleting the run deletes its
workspace, metrics count them, and the tests that still fail after the last fix round leave a failed verdict."""

import signal
import time

import httpx
import pytest

from tests.integration.test_metrics import grew, scrape, value
from tests.support.commands import (
    no_sandbox_process_left,
    output_of,
    run_command,
    sandbox_processes,
    start_command,
    wait_for_command,
    wait_for_run,
)
from tests.support.server import start_server

pytestmark = pytest.mark.sandbox


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    with start_server(tmp_path_factory.mktemp("commands"), {"BOTARMY_DEMO_TOKEN_DELAY_MS": "0"}) as server:
        yield server


@pytest.fixture(scope="module")
def run_id(api):
    run_id = api.post("/api/runs", json={"brief": "A sign-up sheet for a chess club."}).json()["run_id"]
    run = wait_for_run(api, run_id)
    assert run["status"] == "completed" and run["verify"]["status"] == "passed"
    return run_id


def test_stop_interrupts_the_process_group_at_once_and_says_so(server, api, run_id):
    # Printing, but not so fast that the kept 1 MiB of output ends before the traceback does.
    command_id = start_command(api, run_id, "python -c \"import time; exec('while True: print(1); time.sleep(0.001)')\"")
    while not output_of(api, run_id, command_id):
        time.sleep(0.1)
    busy = api.post(f"/api/runs/{run_id}/commands", json={"command": "echo meanwhile"})
    assert (busy.status_code, busy.json()["detail"]) == (
        409, "A command is already running in this run's workspace: wait for it to end, or stop it.")
    assert api.post(f"/api/runs/{run_id}/commands/{command_id}/interrupt").status_code == 202
    ended = wait_for_command(api, run_id, command_id)
    assert (ended.status, ended.detail["exit_code"], ended.detail["ending"]) == ("interrupted", 130, "interrupted")
    assert ended.detail["message"].startswith("Interrupted by you after ")
    assert "KeyboardInterrupt" in ended.output  # SIGINT, as Ctrl-C in a terminal: the program could clean up
    events = {e["name"]: e for e in server.events(run_id)
              if e.get("name", "").startswith("command_") and e["value"]["command_id"] == command_id}
    assert events["command_ended"]["timestamp"] - events["command_interrupt_requested"]["timestamp"] < 1000
    again = api.post(f"/api/runs/{run_id}/commands/{command_id}/interrupt")
    assert (again.status_code, "not running" in again.json()["detail"]) == (409, True)
    unknown = api.post(f"/api/runs/{run_id}/commands/{'0' * 32}/interrupt")
    assert (unknown.status_code, unknown.json()["detail"]) == (404, "No such command in this run.")


def test_a_program_that_ignores_sigint_is_killed_two_seconds_later(server, api, run_id):
    command_id = start_command(api, run_id, "trap '' INT; echo ready; sleep 60")
    while "ready" not in output_of(api, run_id, command_id):
        time.sleep(0.1)
    api.post(f"/api/runs/{run_id}/commands/{command_id}/interrupt")
    ended = wait_for_command(api, run_id, command_id)
    assert ended.status == "interrupted" and 2000 <= ended.detail["duration_ms"] < 10_000
    assert sandbox_processes(server) == []


def test_the_whole_log_is_what_the_command_printed(api, run_id):
    done = run_command(api, run_id, "printf 'caf\\303\\251\\n'; printf 'err\\n' >&2; printf '\\033[31mred\\033[0m'")
    assert done.output == "café\r\nerr\r\n\x1b[31mred\x1b[0m"  # stderr in order, colours kept
    log = api.get(f"/api/runs/{run_id}/commands/{done.detail['command_id']}/log")
    assert log.headers["content-type"] == "text/plain; charset=utf-8" and log.text == done.output


def test_metrics_count_commands_by_outcome_and_time_them(server, api, run_id):
    before = scrape(server)
    run_command(api, run_id, "true")
    run_command(api, run_id, "false")
    after = scrape(server)
    assert grew(before, after, "botarmy_commands_total", origin="user", outcome="passed") == 1
    assert grew(before, after, "botarmy_commands_total", origin="user", outcome="failed") == 1
    assert grew(before, after, "botarmy_command_duration_seconds_count", origin="user") == 2
    assert value(after, "botarmy_commands_total", origin="verify", outcome="passed") >= 1


def test_a_server_killed_mid_command_records_how_it_ended_after_the_restart(tmp_path):
    with start_server(tmp_path / "data", {"BOTARMY_DEMO_TOKEN_DELAY_MS": "0"}) as first, first.api() as api:
        run_id = api.post("/api/runs", json={"brief": "A key box for a shared garage."}).json()["run_id"]
        wait_for_run(api, run_id)
        command_id = start_command(api, run_id, "echo started; sleep 300")
        while "started" not in output_of(api, run_id, command_id):
            time.sleep(0.1)
        first.stop(signal.SIGKILL)
    no_sandbox_process_left(first)  # bubblewrap dies with its parent, and its sandbox with it
    with start_server(tmp_path / "data", {"BOTARMY_DEMO_TOKEN_DELAY_MS": "0"}, port=first.port) as again, \
            httpx.Client(base_url=again.url, headers=api.headers) as api:
        ended = wait_for_command(api, run_id, command_id, timeout=30)
        assert (ended.status, ended.detail["ending"]) == ("interrupted", "server_stopped")
        assert ended.detail["message"] == "Stopped: the server stopped while this command ran."
        assert run_command(api, run_id, "pytest -q").status == "passed"  # the workspace is still there


def test_deleting_a_run_deletes_its_workspace_and_logs(server, api):
    run_id = api.post("/api/runs", json={"brief": "A ride share for a school run."}).json()["run_id"]
    wait_for_run(api, run_id)
    run_command(api, run_id, "echo kept > notes.txt")
    workspace, logs = server.data_dir / "workspaces" / run_id, server.data_dir / "commands" / run_id
    assert (workspace / "notes.txt").exists() and any(logs.glob("*.log"))
    assert api.delete(f"/api/runs/{run_id}").status_code == 204
    assert not workspace.exists() and not logs.exists()


def test_tests_still_failing_after_the_last_fix_leave_a_failed_verdict_and_the_run_goes_on(tmp_path):
    with start_server(tmp_path / "data", {"BOTARMY_DEMO_TOKEN_DELAY_MS": "0", "BOTARMY_DEMO_FAULTS": "buggy=1",
                                          "BOTARMY_FIX_ROUNDS": "0"}) as server, server.api() as api:
        run_id = api.post("/api/runs", json={"brief": "A lost-and-found board for a gym."}).json()["run_id"]
        run = wait_for_run(api, run_id)
        assert run["status"] == "completed" and "deployer" in run["artifacts"]
        assert (run["verify"]["status"], run["verify"]["failed"], run["verify"]["fixes"]) == ("failed", 1, 0)
        assert run["verify"]["summary"] == "1 of 10 tests failed."
        assert api.get("/api/runs").json()["runs"][0]["verdict"] == "failed"
