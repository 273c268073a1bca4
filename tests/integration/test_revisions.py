"""A project's revisions through the REST API of a real server: a change request on a completed run is revision 2,
whose diff touches only some files, whose tests pass in the sandbox and whose commits carry the agents as authors;
every reader and a restarted server see the same commit ids; restoring revision 1 brings its files back byte for
byte as revision 3; the zip's `git log` lists every step; and the refusals are sentences."""

import pytest

from tests.support.commands import wait_for_run
from tests.support.revisions import custom_events, digests, git, unpacked, wait_for_revision
from tests.support.server import start_server

pytestmark = pytest.mark.sandbox

BRIEF = "A reading list for a book club."
REQUEST = "add a --pretty flag"
AGENTS = {"analyst", "architect", "developer", "tester", "deployer"}


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    with start_server(tmp_path_factory.mktemp("revisions"), {"BOTARMY_DEMO_TOKEN_DELAY_MS": "0"}) as server:
        yield server


@pytest.fixture(scope="module")
def run_id(api):
    run_id = api.post("/api/runs", json={"brief": BRIEF}).json()["run_id"]
    run = wait_for_run(api, run_id)
    assert run["status"] == "completed" and run["verify"]["status"] == "passed", run["error"]
    return run_id


@pytest.fixture(scope="module")
def revised(api, run_id):
    """Revision 2: the change request, worked to its end."""
    accepted = api.post(f"/api/runs/{run_id}/revisions", json={"request": REQUEST})
    assert (accepted.status_code, accepted.json()) == (202, {"revision": 2})
    busy = api.post(f"/api/runs/{run_id}/revisions", json={"request": "and another thing"})
    assert (busy.status_code, busy.json()["detail"]) == (409, "Finish or cancel the current revision first.")
    return wait_for_revision(api, run_id, 2)


def test_revision_2_edits_some_files_its_tests_pass_and_its_commits_are_the_agents(api, run_id, revised):
    first = api.get(f"/api/runs/{run_id}/revisions").json()[0]
    assert (first["origin"], first["request"], first["status"], first["verdict"]) == (
        "first", BRIEF, "completed", "passed")
    assert (revised["origin"], revised["request"], revised["status"], revised["verdict"]) == (
        "change", REQUEST, "completed", "passed")
    assert revised["tag"] == "revision-2"
    changed = {item["path"]: item["change"] for item in revised["files_changed"]}
    everything = {item["path"] for commit in first["commits"] for item in commit["files"]}
    assert changed["tests/test_pretty_flag.py"] == "added"
    assert any(path.endswith("/core.py") and change == "modified" for path, change in changed.items())
    assert set(changed) < everything | set(changed) and "README.md" not in changed and "Dockerfile" not in changed
    authors = [commit["author"] for commit in revised["commits"]]
    assert set(authors) <= AGENTS and {"developer", "tester"} <= set(authors)
    assert all(commit["author_email"] == f"{commit['author']}@botarmy.invalid" for commit in revised["commits"])
    assert all(f"Revision 2: {REQUEST}" in commit["message"] for commit in revised["commits"])
    run = api.get(f"/api/runs/{run_id}").json()
    assert (run["revision"], run["status"], run["verify"]["status"]) == (2, "completed", "passed")
    usage = api.get(f"/api/runs/{run_id}/usage").json()
    assert set(usage["revisions"]) == {"1", "2"} and all(spent["calls"] >= 5 for spent in usage["revisions"].values())
    assert sum(spent["calls"] for spent in usage["revisions"].values()) == usage["total"]["calls"]
    assert run["verify"]["passed"] == first_passed(api, run_id) + 1  # the new test beside the old ones
    diff = api.get(f"/api/runs/{run_id}/revisions/2/diff")
    assert diff.status_code == 200 and diff.headers["content-type"].startswith("text/plain")
    assert "+def pretty_flag() -> str:" in diff.text and "+++ b/tests/test_pretty_flag.py" in diff.text
    assert {line.split(" b/")[-1] for line in diff.text.splitlines() if line.startswith("diff --git")} == set(changed)
    developer = next(commit for commit in revised["commits"] if commit["author"] == "developer")
    step = api.get(f"/api/runs/{run_id}/revisions/2/diff", params={"commit": developer["commit"]}).text
    assert "+def pretty_flag" in step and "test_pretty_flag" not in step
    contexts = custom_events(api, run_id, "context_chosen")
    assert {context["agent"] for context in contexts} == AGENTS and all(
        0 < context["tokens"] <= context["budget"] == 12_000 for context in contexts)


def first_passed(api, run_id) -> int:
    return next(value["passed"] for value in custom_events(api, run_id, "verify_finished"))


def test_a_restore_brings_revision_1_back_byte_for_byte_and_the_zip_history_lists_every_step(api, run_id, revised,
                                                                                              tmp_path):
    accepted = api.post(f"/api/runs/{run_id}/restore", json={"revision": 1})
    assert (accepted.status_code, accepted.json()) == (202, {"revision": 3})
    third = wait_for_revision(api, run_id, 3)
    assert (third["origin"], third["restores"], third["status"], third["verdict"]) == ("restore", 1, "completed",
                                                                                     "passed")
    assert [commit["author"] for commit in third["commits"]] == ["restore"]
    one = unpacked(api.get(f"/api/runs/{run_id}/zip", params={"revision": 1}).content, tmp_path / "one")
    three = unpacked(api.get(f"/api/runs/{run_id}/zip", params={"revision": 3}).content, tmp_path / "three")
    latest = unpacked(api.get(f"/api/runs/{run_id}/zip").content, tmp_path / "latest")
    assert digests(one) == digests(three) == digests(latest) and len(digests(one)) >= 8
    revisions = api.get(f"/api/runs/{run_id}/revisions").json()
    commits = [commit for revision in revisions for commit in revision["commits"]]
    assert git(latest, "log", "--format=%H %an").split("\n")[:-1] == [
        f"{commit['commit']} {commit['author_name']}" for commit in reversed(commits)]
    assert git(latest, "tag").split() == ["revision-1", "revision-2", "revision-3"]
    assert git(latest, "rev-parse", "revision-2").strip() == revisions[1]["commits"][-1]["commit"]
    assert git(latest, "status", "--porcelain") == ""  # the work tree is the last commit
    assert git(one, "log", "--format=%H").split() == [commit["commit"] for commit in reversed(revisions[0]["commits"])]


def test_refusals_are_sentences(api, run_id, revised):
    assert api.post(f"/api/runs/{run_id}/revisions", json={"request": "   "}).json()["detail"] == \
        "Please write what should change: the change request is empty."
    huge = api.post(f"/api/runs/{run_id}/revisions", json={"request": "x" * 5000})
    assert huge.status_code == 422 and "the limit is 4,000" in huge.json()["detail"]
    missing = api.post(f"/api/runs/{run_id}/restore", json={"revision": 9})
    assert (missing.status_code, missing.json()["detail"]) == (404, "This project has no revision 9.")
    assert api.get(f"/api/runs/{run_id}/revisions/9/diff").status_code == 404
    assert api.get(f"/api/runs/{run_id}/zip", params={"revision": 9}).status_code == 404
    unknown = api.get(f"/api/runs/{run_id}/revisions/2/diff", params={"commit": "0" * 40})
    assert unknown.status_code == 404 and unknown.json()["detail"].startswith("This revision has no commit")
    assert api.post("/api/runs/nosuchrun/revisions", json={"request": "x"}).status_code == 404


def test_a_second_reader_and_a_restarted_server_see_the_same_revisions(server, api, run_id, revised):
    before = api.get(f"/api/runs/{run_id}/revisions").json()
    with server.api("tester") as other:
        assert other.get(f"/api/runs/{run_id}/revisions").json() == before
    with server.api("someone-else") as stranger:
        assert stranger.get(f"/api/runs/{run_id}/revisions").status_code == 404
    data_dir, port = server.data_dir, server.port
    server.stop()
    with start_server(data_dir, {"BOTARMY_DEMO_TOKEN_DELAY_MS": "0"}, port) as again, \
            again.knowing(server.tokens).api() as client:
        assert client.get(f"/api/runs/{run_id}/revisions").json() == before
        assert client.get(f"/api/runs/{run_id}/zip").status_code == 200  # the rebuilt ids match the log's
