"""A revision is the log's, whichever process works or reads it: `kill -9` of the server in the middle of an agent's
edit loses nothing and applies nothing twice once the run is resumed, with the commit ids it had; and in a scaled
deployment a worker works the revision while both web instances show the same history."""

import signal
import time

import pytest

from tests.support.cluster import cluster
from tests.support.commands import wait_for_run
from tests.support.revisions import digests, git, unpacked, wait_for_revision
from tests.support.server import start_server

REQUEST = "add a --pretty flag"
FAST = {"BOTARMY_DEMO_TOKEN_DELAY_MS": "0"}
# The revision's third answer, the Developer's, stops a third of the way in and never resumes (the Analyst's and the
# Architect's come whole, at once): the kill lands mid-edit however fast or loaded the machine, with no answer paced
# for it. The app would wait for the held answer longer than the test lasts.
DEVELOPER_HELD = {**FAST, "BOTARMY_DEMO_FAULTS": "script:ok,ok,stall", "BOTARMY_LLM_STALL_TIMEOUT_S": "900"}


def commit_ids(revisions: list[dict]) -> list[str]:
    return [commit["commit"] for revision in revisions for commit in revision["commits"]]


def developer_streaming_in(server, run_id: str, revision: int, timeout: float = 120) -> None:
    """Returns once the Developer's answer of `revision` streams and its step has no commit yet."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        events = server.events(run_id)
        starts = [index for index, event in enumerate(events) if event.get("name") == "revision_started"
                  and event["value"]["revision"] == revision]
        after = events[starts[0]:] if starts else []
        chosen = [index for index, event in enumerate(after) if event.get("name") == "context_chosen"
                  and event["value"]["agent"] == "developer"]
        if chosen and any(event["type"] == "TEXT_MESSAGE_CONTENT" for event in after[chosen[0]:]):
            return
        time.sleep(0.02)
    raise AssertionError("the Developer never started its answer")


@pytest.mark.sandbox
def test_kill_9_mid_edit_resumes_the_revision_without_applying_anything_twice(tmp_path):
    data_dir = tmp_path / "data"
    with start_server(data_dir, FAST) as server, server.api() as api:
        run_id = api.post("/api/runs", json={"brief": "A reading list for a book club."}).json()["run_id"]
        assert wait_for_run(api, run_id)["status"] == "completed"
        first = api.get(f"/api/runs/{run_id}/revisions").json()
    with start_server(data_dir, DEVELOPER_HELD) as slow, slow.knowing(server.tokens).api() as api:
        assert api.post(f"/api/runs/{run_id}/revisions", json={"request": REQUEST}).status_code == 202
        developer_streaming_in(slow, run_id, 2)
        slow.stop(signal.SIGKILL)
        killed = [event for event in slow.events(run_id) if event.get("name") == "files_committed"]
    assert [event["value"]["author"] for event in killed][-1] != "developer"  # it was killed mid-edit
    with start_server(data_dir, FAST) as again, again.knowing(server.tokens).api() as api:
        assert api.get(f"/api/runs/{run_id}").json()["status"] == "interrupted"
        assert api.post(f"/api/runs/{run_id}/resume").status_code == 204
        # The resumed run starts working a moment after the answer, as its task records RUN_STARTED: until then it
        # still reads as interrupted, at rest.
        wait_for_run(api, run_id, 60, leaving="interrupted")
        second = wait_for_revision(api, run_id, 2)
        assert (second["status"], second["verdict"]) == ("completed", "passed")
        revisions = api.get(f"/api/runs/{run_id}/revisions").json()
        assert commit_ids(revisions)[:len(commit_ids(first))] == commit_ids(first)  # the ids before the kill
        assert commit_ids(revisions[:2])[:len(killed)] == [event["value"]["commit"] for event in killed]
        authors = [commit["author"] for commit in second["commits"]]
        assert authors.count("developer") == 1 and authors.count("tester") == 1
        folder = unpacked(api.get(f"/api/runs/{run_id}/zip").content, tmp_path / "zip")
        code = "".join(path.read_text() for path in folder.rglob("*.py") if "tests" not in path.parts)
        assert code.count("def pretty_flag(") == 1


@pytest.mark.scale
def test_a_scaled_revision_is_worked_by_a_worker_and_both_web_instances_see_the_same_history(
        tmp_path, postgres, redis_service):
    with cluster(tmp_path / "cluster", postgres, redis_service, workers=1, env=FAST) as deployment:
        one, two = deployment.webs
        with one.api() as first, two.api() as second:
            run_id = first.post("/api/runs", json={"brief": "A tiny unit converter."}).json()["run_id"]
            assert wait_for_run(first, run_id)["status"] == "completed"
            assert second.post(f"/api/runs/{run_id}/revisions", json={"request": REQUEST}).status_code == 202
            revised = wait_for_revision(first, run_id, 2)
            assert (revised["status"], revised["verdict"]) == ("completed", "passed")
            revisions = first.get(f"/api/runs/{run_id}/revisions").json()
            assert second.get(f"/api/runs/{run_id}/revisions").json() == revisions
            assert {commit["author"] for commit in revised["commits"]} >= {"developer", "tester"}
            zips = [unpacked(client.get(f"/api/runs/{run_id}/zip").content, tmp_path / name)
                    for client, name in ((first, "one"), (second, "two"))]
            assert [git(folder, "log", "--format=%H") for folder in zips] == [
                "".join(f"{commit}\n" for commit in reversed(commit_ids(revisions)))] * 2
            assert digests(zips[0]) == digests(zips[1])
