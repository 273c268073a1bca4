"""A scaled deployment of real processes, through its HTTP API: two web instances and two workers on PostgreSQL and
Redis. Commands sent to any instance reach the worker that runs the run, a terminal interrupt reaches the instance that
runs the command, the workers run the projects' tests, every process drops the workspaces of deleted runs, limits hold
across instances, an identity works on every instance, and an instance with another storage secret refuses to
start."""

import re
import subprocess
import sys
import time

import httpx
import pytest

from tests.support.cluster import SECRET, cluster
from tests.support.commands import output_of, start_command, wait_for_command
from tests.support.demo_model import add_model
from tests.support.server import ROOT, server_env

pytestmark = pytest.mark.scale

BRIEF = "A booking tool for a climbing gym"


@pytest.fixture(scope="module")
def model(tmp_path_factory, demo_models):
    """The deployment's AI service: a demo model paced so a run lasts long enough to steer, which a test can make hold
    its answers (replan)."""
    made = add_model(demo_models, tmp_path_factory.mktemp("cluster-model"), "", 8)
    yield made
    made.stop()


@pytest.fixture
def hold(model):
    """hold(): from then on every answer stalls mid-stream, so a run works until it is cancelled, however fast or
    slow the machine; answers are whole again after the test."""
    yield lambda: model.replan("stall=1")
    model.replan("")


@pytest.fixture(scope="module")
def deployment(tmp_path_factory, postgres, redis_service, model):
    """Per-user limits low enough to reach; the app waits for a held answer longer than a test lasts."""
    with cluster(tmp_path_factory.mktemp("cluster"), postgres, redis_service,
                 env={**model.app_env, "BOTARMY_LLM_STALL_TIMEOUT_S": "900", "BOTARMY_MAX_RUNS_PER_USER": "2",
                      "BOTARMY_STARTS_PER_MINUTE": "3", "BOTARMY_WORKSPACE_SWEEP_SECONDS": "2"}) as made:
        yield made


def start(client: httpx.Client) -> str:
    response = client.post("/api/runs", json={"brief": BRIEF})
    assert response.status_code == 201, response.text
    return response.json()["run_id"]


def first_event(deployment, run_id: str, predicate, timeout: float = 30) -> float:
    """When (time.monotonic) the run's log first holds an event that `predicate` accepts."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if any(predicate(event) for event in deployment.web.events(run_id)):
            return time.monotonic()
        time.sleep(0.02)
    raise AssertionError("the event never came")


def test_each_role_reports_itself_and_its_dependencies(deployment):
    for instance, role in ((deployment.webs[0], "web"), (deployment.workers[0], "worker")):
        health = instance.health()
        assert (health["role"], health["status"], health["dependencies"]) == (
            role, "ok", {"postgresql": True, "redis": True})


def test_pause_resume_and_cancel_from_one_instance_reach_the_worker_of_a_run_started_on_the_other(deployment, hold):
    a, b = deployment.webs
    with a.api() as on_a, b.api() as on_b:
        run_id = start(on_a)
        worker = deployment.holder(run_id)
        first_event(deployment, run_id, lambda e: e["type"] == "TEXT_MESSAGE_CONTENT")
        assert on_b.post(f"/api/runs/{run_id}/pause").status_code == 204
        assert deployment.wait_for(run_id, ("paused",))["status"] == "paused"
        hold()  # the resumed agent's answer: the cancel lands mid-run
        assert on_b.post(f"/api/runs/{run_id}/resume").status_code == 204
        deployment.wait_for(run_id, ("running",))
        asked = time.monotonic()
        assert on_a.post(f"/api/runs/{run_id}/cancel").status_code == 204
        done = first_event(deployment, run_id, lambda e: e["type"] == "RUN_FINISHED"
                           and (e.get("outcome") or {}).get("type") == "cancelled")
        print(f"cancel from web instance to worker to log: {(done - asked) * 1000:.0f} ms")
        assert deployment.wait_for(run_id, ("cancelled",))["status"] == "cancelled"
    assert f"holds run {run_id}" in worker.log()


def test_the_workers_run_the_tests_and_a_command_started_on_one_instance_is_interrupted_through_the_other(
        deployment):
    a, b = deployment.webs
    with a.api("commander") as on_a, b.api("commander") as on_b:
        run_id = start(on_a)
        run = deployment.wait_for(run_id, ("completed", "failed"), user="commander", timeout=300)
        assert (run["status"], run["verify"]["status"]) == ("completed", "passed")
        tests = [c for c in run["commands"] if c["origin"] == "verify"]
        assert tests and tests[-1]["status"] == "passed"
        ran_tests = [w for w in deployment.workers if (w.data_dir / "workspaces" / run_id).is_dir()]
        assert len(ran_tests) == 1, "the worker that worked the run ran its tests in its own workspace"

        command_id = start_command(on_a, run_id, 'python -c "while True: print(1)"')
        deadline = time.monotonic() + 60
        while not output_of(on_b, run_id, command_id):  # its output reaches the other instance's viewers
            assert time.monotonic() < deadline, "the command printed nothing"
            time.sleep(0.1)
        assert on_b.post(f"/api/runs/{run_id}/commands/{command_id}/interrupt").status_code == 202
        ended = wait_for_command(on_b, run_id, command_id, timeout=60)
        assert (ended.status, ended.detail["ending"]) == ("interrupted", "interrupted")
        assert ended.detail["message"].startswith("Interrupted by you after ")
        events = {e["name"]: e for e in deployment.web.events(run_id)
                  if e["type"] == "CUSTOM" and e["value"].get("command_id") == command_id}
        took_ms = events["command_ended"]["timestamp"] - events["command_interrupt_requested"]["timestamp"]
        print(f"interrupt from web instance B to the command on web instance A, asked to ended: {took_ms} ms")
        assert took_ms < 10_000
        assert on_a.post(f"/api/runs/{run_id}/commands/{command_id}/interrupt").status_code == 409

        holding = [a, *ran_tests]
        assert all((instance.data_dir / "workspaces" / run_id).is_dir() for instance in holding)
        assert on_b.delete(f"/api/runs/{run_id}").status_code == 204
        deadline = time.monotonic() + 60
        while any((instance.data_dir / "workspaces" / run_id).exists() for instance in holding):
            assert time.monotonic() < deadline, "a deleted run's workspace stayed on another process"
            time.sleep(0.2)


def test_per_user_limits_hold_across_instances(deployment, hold):
    hold()
    a, b = deployment.webs
    with a.api("limited") as on_a, b.api("limited") as on_b:
        first, second = start(on_a), start(on_b)
        third = on_a.post("/api/runs", json={"brief": BRIEF})
        assert third.status_code == 429 and "2 runs working" in third.json()["detail"]
        # Both cancelled before either is waited for: on a busy machine the second could otherwise finish first.
        for run_id in (first, second):
            assert on_b.post(f"/api/runs/{run_id}/cancel").status_code == 204
        for run_id in (first, second):
            deployment.wait_for(run_id, ("cancelled",), user="limited")
        start(on_b)  # the 3rd start of the minute: one too many for the other instance now
        fourth = on_a.post("/api/runs", json={"brief": BRIEF})
        assert fourth.status_code == 429 and "within a minute" in fourth.json()["detail"]


def test_a_browser_identity_made_on_one_instance_works_on_the_other(deployment):
    a, b = deployment.webs
    with httpx.Client(base_url=a.url, follow_redirects=True) as browser:
        assert browser.get("/").status_code == 200
        assert [cookie.name for cookie in browser.cookies.jar] == ["botarmy_session"]
        run_id = browser.post("/api/runs", json={"brief": BRIEF}, headers={"Origin": a.url}).json()["run_id"]
        listed = httpx.get(f"{b.url}/api/runs", cookies=browser.cookies)
    assert listed.status_code == 200 and [run["run_id"] for run in listed.json()["runs"]] == [run_id]


def test_a_web_instance_with_another_storage_secret_refuses_to_start(deployment, tmp_path):
    env = {**deployment.env, "BOTARMY_STORAGE_SECRET": SECRET[::-1]}
    done = subprocess.run([sys.executable, str(ROOT / "main.py"), "web", "--port", "1", "--data-dir", str(tmp_path)],
                          env=server_env(env), capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode != 0
    assert "BOTARMY_STORAGE_SECRET differs from the one the other web instances use" in done.stderr
    assert not re.search(re.escape(SECRET[::-1]), done.stderr + done.stdout)
