"""What else begins or leaves a project's revisions, through a real server: a zip of existing code (a real small
project whose own tests pass after the change, its secret never in what the model received; hostile zips refused
with a sentence and no run), a push of the history to a real git HTTP server (a wrong token is a sentence and leaks
nowhere), and a new AG-UI user message on a thread at rest (the next revision)."""

import json
import time
import uuid
import zipfile

import pytest

from tests.support.commands import wait_for_run
from tests.support.git_server import git_http_server
from tests.support.recording_proxy import recording_proxy
from tests.support.revisions import custom_events, wait_for_revision
from tests.support.server import start_server
from tests.support.zips import FAKE_KEY, PNG, PROJECT, deflated, entry, raw_zip, zeros_bomb, zip_of

pytestmark = pytest.mark.sandbox

FAST = {"BOTARMY_DEMO_TOKEN_DELAY_MS": "0"}
REQUEST = "add a --pretty flag"


@pytest.fixture(scope="module")
def model(tmp_path_factory):
    """The offline demo model, served by a server of its own, behind a proxy that records what it is sent."""
    with start_server(tmp_path_factory.mktemp("model"), FAST) as serving, recording_proxy(serving.port) as proxy:
        yield proxy


@pytest.fixture(scope="module")
def server(tmp_path_factory, model):
    """A server whose model is the recorded demo model, as it would use a real endpoint."""
    env = {**FAST, "OPENAI_API_KEY": "not-a-real-key", "BOTARMY_MODEL": "botarmy-demo",
           "OPENAI_BASE_URL": f"http://127.0.0.1:{model.port}/demo/v1"}
    with start_server(tmp_path_factory.mktemp("inputs"), env) as server:
        yield server


def start_from(api, data: bytes, brief: str = REQUEST):
    return api.post("/api/runs", data={"brief": brief}, files={"project": ("calc.zip", data, "application/zip")})


def test_an_imported_project_is_changed_its_own_tests_pass_and_its_secret_never_reaches_the_model(api, model):
    started = start_from(api, zip_of(PROJECT, entries=[(zipfile.ZipInfo("calc-main/assets/logo.png"), PNG)]))
    assert started.status_code == 201, started.text
    run_id = started.json()["run_id"]
    run = wait_for_run(api, run_id)
    assert (run["status"], run["verify"]["status"]) == ("completed", "passed"), run["error"]
    assert run["verify"]["passed"] == 2  # its own test, and the new function's
    [first] = api.get(f"/api/runs/{run_id}/revisions").json()
    assert (first["origin"], first["request"]) == ("import", REQUEST)
    imported, *steps = first["commits"]
    assert imported["author"] == "import" and {item["path"] for item in imported["files"]} == {
        "README.md", "pyproject.toml", "src/calc/__init__.py", "src/calc/ops.py", "tests/test_ops.py", ".env",
        "assets/logo.png"}
    assert {"developer", "tester"} <= {step["author"] for step in steps}
    [report] = custom_events(api, run_id, "import_report")
    assert {note["path"] for note in report["notes"]} >= {".git", ".env", "assets/logo.png"}
    developer = next(step for step in steps if step["author"] == "developer")
    assert {(item["path"], item["change"]) for item in developer["files"]} <= {
        ("src/calc/ops.py", "modified"), ("src/calc/__init__.py", "modified")} and developer["files"]
    diff = api.get(f"/api/runs/{run_id}/revisions/1/diff", params={"commit": developer["commit"]}).text
    assert "+def pretty_flag() -> str:" in diff
    sent = model.sent
    assert b"def add(a, b)" in sent and b"src/calc/ops.py" in sent  # the project's code was sent
    assert FAKE_KEY.encode() not in sent and PNG[:8] not in sent  # its secret and its binary never were
    assert FAKE_KEY not in json.dumps(api.get(f"/api/runs/{run_id}").json())


HOSTILE = [
    ("traversal", zip_of({"ok.py": "x = 1\n", "../../etc/passwd": "owned\n"}),
     "The zip holds a path that leads outside the project (../../etc/passwd); nothing was imported."),
    ("absolute path", zip_of({"ok.py": "x = 1\n", "/etc/cron.d/evil": "owned\n"}),
     "The zip holds a path that leads outside the project (/etc/cron.d/evil); nothing was imported."),
    ("only a symlink", zip_of({}, entries=[entry("proj/passwd", 0o120000, b"/etc/passwd")]),
     "None of the zip's files can be imported: each is a link, too large, or in a folder left out."),
    ("zip bomb", raw_zip({"name": b"proj/ok.py", **deflated(b"x = 1\n")}, {"name": b"proj/zeros.txt",
                                                                         **zeros_bomb(200)}),
     "The zip's files add up to 200 MB uncompressed; at most 50 MB is accepted."),
    ("10,000 files", zip_of({f"f{i}.txt": "" for i in range(10_000)}),
     "The zip holds 10,000 files; at most 2,000 are accepted."),
    ("not a zip", b"PK\3\4 this is not really a zip", "The file is not a zip archive, or it is damaged."),
]


# Named ids: pytest-xdist's workers must collect the same names, and a zip's bytes carry the time it was made.
@pytest.mark.parametrize(("name", "data", "detail"), HOSTILE, ids=[name for name, _, _ in HOSTILE])
def test_hostile_zips_are_refused_with_a_sentence_and_start_nothing(api, name, data, detail):
    before = api.get("/api/runs").json()
    refused = start_from(api, data)
    assert (refused.status_code, refused.json()["detail"]) == (422, detail), name
    assert api.get("/api/runs").json() == before


def test_a_zip_with_a_non_utf8_name_and_a_symlink_is_imported_without_them_and_says_so(api):
    plain = deflated(b"x = 1\n")
    data = raw_zip({"name": b"proj/ok.py", **plain}, {"name": b"proj/bell\x07.py", **plain},
                   {"name": b"proj/link", **deflated(b"/etc/passwd"), "attr": 0o120777 << 16})
    started = start_from(api, data, "rename x to y")
    assert started.status_code == 201, started.text
    run_id = started.json()["run_id"]
    wait_for_run(api, run_id)
    [report] = custom_events(api, run_id, "import_report")
    assert [note["sentence"] for note in report["notes"]] == [
        "A file whose name cannot be used (bell\\x07.py) was left out.", "link is a symbolic link; it was left out."]
    [imported] = api.get(f"/api/runs/{run_id}/revisions").json()[0]["commits"][:1]
    assert [item["path"] for item in imported["files"]] == ["ok.py"]


def test_a_push_with_a_wrong_token_is_a_sentence_and_the_right_one_lands_every_commit(server, api, tmp_path):
    run_id = api.post("/api/runs", json={"brief": "A tiny unit converter."}).json()["run_id"]
    assert wait_for_run(api, run_id)["status"] == "completed"
    commits = [commit["commit"] for revision in api.get(f"/api/runs/{run_id}/revisions").json()
               for commit in revision["commits"]]
    with git_http_server(tmp_path / "remote", "push-token-9c1e", "read-token-2b8d") as remote:
        remote.create("project.git")
        url = remote.url("project.git")
        wrong = api.post(f"/api/runs/{run_id}/push", json={"url": url, "branch": "main", "token": "wrong-token-7f3a"})
        assert wrong.status_code == 202
        right = api.post(f"/api/runs/{run_id}/push", json={"url": url, "token": remote.write_token})
        assert right.status_code == 202
        finished = wait_for_pushes(api, run_id, 2)
    failed = next(push for push in finished if not push["ok"])
    done = next(push for push in finished if push["ok"])
    assert failed["message"] == f"{url} refused the token (401): check that it is right and has not expired."
    assert (done["url"], done["branch"], done["commit"]) == (url, "main", commits[-1])
    for secret in ("wrong-token-7f3a", remote.write_token):
        assert secret not in json.dumps(server.events(run_id)) and secret not in server.log()
        assert not any(secret in json.dumps(entry) for entry in server.log_entries())
    refused = api.post(f"/api/runs/{run_id}/push", json={"url": str(tmp_path), "token": None})
    assert refused.status_code == 202
    [*_, local] = wait_for_pushes(api, run_id, 3)
    assert (local["ok"], local["message"]) == (False, "Pushing to a path on the server is turned off: give an "
                                                      "https:// URL.")


def wait_for_pushes(api, run_id: str, count: int, timeout: float = 60) -> list[dict]:
    deadline = time.monotonic() + timeout
    while len(pushes := custom_events(api, run_id, "push_finished")) < count:
        assert time.monotonic() < deadline, pushes
        time.sleep(0.2)
    return pushes


def test_a_new_user_message_on_a_thread_at_rest_is_the_next_revision(server, api):
    thread = f"revisions-{uuid.uuid4().hex}"
    brief = {"id": "m1", "role": "user", "content": "A habit tracker."}

    def post(*messages):
        body = {"threadId": thread, "runId": uuid.uuid4().hex, "state": {}, "tools": [], "context": [],
                "messages": list(messages)}
        with api.stream("POST", "/agui", json=body, timeout=180) as response:
            assert response.status_code == 200, response.read()
            return response.read().decode()

    post(brief)
    [run_id] = server.runs_of_thread(thread)
    assert api.get(f"/api/runs/{run_id}").json()["status"] == "completed"
    streamed = post(brief, {"id": "a1", "role": "assistant", "content": "Done."},
                    {"id": "m2", "role": "user", "content": "add a streak counter"})
    assert '"name":"revision_started"' in streamed and '"revision":2' in streamed
    second = wait_for_revision(api, run_id, 2)
    assert (second["origin"], second["request"], second["status"]) == ("change", "add a streak counter",
                                                                       "completed")
    assert server.runs_of_thread(thread) == [run_id]
