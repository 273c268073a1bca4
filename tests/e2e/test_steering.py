"""Steering a run from a real browser: approvals, edits and feedback, pause, resume, cancel, retry, and the zip."""

import io
import re
import subprocess
import sys
import zipfile

import pytest
from playwright.sync_api import expect

from core.demo.model import AGENTS
from tests.support.server import UNPACED, start_server
from ui.approval_panel import ALREADY_DECIDED


@pytest.fixture
def approving_server(app_server):
    """The app with the default checkpoints (after the Analyst and the Architect) and an unpaced demo model: its tests
    act at the checkpoints, where the run waits for them, never mid-stream."""
    return app_server({**UNPACED, "BOTARMY_APPROVALS": "analyst,architect"})


# Every notification a page shows, kept: a notice goes after a few seconds, which on a busy machine can be sooner
# than a test looks for it.
RECORD_NOTICES = """() => {
  window.notices = new Set();
  new MutationObserver(() => {
    for (const notice of document.querySelectorAll('.q-notification')) window.notices.add(notice.innerText);
  }).observe(document.body, {childList: true, subtree: true});
}"""


def decided(server, run_id: str) -> list[dict]:
    return [e["value"] for e in server.events(run_id) if e["type"] == "CUSTOM" and e["name"] == "approval_decided"]


def waiting_for(page, agent: str) -> None:
    # The agent's card first: right after a decision the header still shows the previous approval's status.
    expect(page.get_by_test_id(f"agent-card-{agent}")).to_have_attribute("data-status", "waiting_approval", timeout=60_000)
    expect(page.get_by_test_id("run-status")).to_have_attribute("data-status", "waiting_approval")
    expect(page.get_by_test_id("approval-panel")).to_have_attribute("data-agent", agent)


def test_approve_request_changes_and_download_a_project_whose_tests_pass(approving_server, pages, tmp_path):
    server = approving_server
    page = pages(server.url)
    expect(page.get_by_test_id("approval-analyst")).to_be_checked()
    expect(page.get_by_test_id("approval-architect")).to_be_checked()
    expect(page.get_by_test_id("approval-developer")).not_to_be_checked()
    page.get_by_test_id("brief-input").fill("A repair log for a bicycle co-op's shared workshop tools.")
    page.get_by_test_id("start-run").click()
    page.wait_for_url("**/runs/*")
    run_id = page.url.rsplit("/", 1)[-1]

    waiting_for(page, "analyst")
    expect(page.get_by_test_id("agent-card-architect")).to_have_attribute("data-status", "queued")
    page.get_by_test_id("approve").click()
    waiting_for(page, "architect")

    # Empty feedback is refused with a message; real feedback sends the architect back to work.
    page.get_by_test_id("request-changes").click()
    expect(page.get_by_test_id("decision-error")).to_contain_text("feedback is empty")
    feedback = "Use SQLite for the tool inventory and explain the backup plan."
    page.get_by_test_id("feedback-input").fill(feedback)
    page.get_by_test_id("request-changes").click()
    expect(page.get_by_test_id("feedback-note")).to_contain_text(feedback)
    waiting_for(page, "architect")
    architect_answers = page.locator("[data-testid=message][data-agent=architect][data-complete=true]")
    expect(architect_answers).to_have_count(2)  # the earlier answer stays visible
    expect(architect_answers.nth(1)).to_contain_text(feedback)  # the demo model quotes what it was asked
    expect(architect_answers.nth(0)).not_to_contain_text(feedback)
    # The artifact waiting for review is open to read, with its earlier version beneath it.
    expect(page.get_by_test_id("revisions-architect")).to_be_visible()
    page.get_by_test_id("approve").click()

    expect(page.get_by_test_id("run-status")).to_have_attribute("data-status", "completed", timeout=90_000)
    expect(page.get_by_test_id("approval-panel")).to_be_hidden()
    assert [d["decision"] for d in decided(server, run_id)] == ["approve", "request_changes", "approve"]
    assert feedback in server.artifacts(run_id)["architect"]

    # The developer's artifact: highlighted code under its file names.
    page.get_by_test_id("artifact-developer").click()
    expect(page.get_by_test_id("artifact-developer").locator(".codehilite").first).to_be_visible()
    expect(page.get_by_test_id("artifact-developer")).to_contain_text("File: src/")

    with page.expect_download() as download:
        page.get_by_test_id("download-all").click()
    with zipfile.ZipFile(io.BytesIO(download.value.path().read_bytes())) as archive:
        names = archive.namelist()
        archive.extractall(tmp_path / "unpacked")
    folder = tmp_path / "unpacked" / names[0].split("/")[0]
    assert download.value.suggested_filename == f"{folder.name}.zip"
    for path in ("requirements.md", "architecture.md", "README.md", "Dockerfile"):
        assert (folder / path).is_file(), f"{path} missing from {names}"
    assert list(folder.glob("src/*/*.py")) and list(folder.glob("tests/test_*.py"))
    tests = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider"], cwd=folder,
                           capture_output=True, text=True, timeout=120)
    assert tests.returncode == 0 and " passed" in tests.stdout, tests.stdout + tests.stderr


def test_an_edit_becomes_the_artifact_and_one_that_does_not_fit_the_files_is_refused(approving_server, pages):
    page = pages(approving_server.url)
    page.get_by_test_id("approval-architect").click()  # the Analyst's work waits, and the Developer's
    page.get_by_test_id("approval-developer").click()
    page.get_by_test_id("brief-input").fill("A seed library where gardeners lend and return seed packets.")
    page.get_by_test_id("start-run").click()
    page.wait_for_url("**/runs/*")
    run_id = page.url.rsplit("/", 1)[-1]
    waiting_for(page, "analyst")
    page.get_by_test_id("edit-artifact").click()
    editor = page.get_by_test_id("edit-input")
    expect(editor).to_have_value(re.compile(r"^# "))
    editor.fill("# Requirements\n\nEvery packet records its grower and harvest year.")
    page.get_by_test_id("save-edit").click()

    # The Developer's answer edited with a change to a file that does not exist: refused whole, in one sentence,
    # in the dialog and the transcript; the approval still waits and the files are the Developer's.
    waiting_for(page, "developer")
    page.get_by_test_id("edit-artifact").click()
    code = page.get_by_test_id("edit-input").input_value()
    page.get_by_test_id("edit-input").fill(
        code + "\n\nsrc/nowhere.py\n```\n<<<<<<< SEARCH\nx = 1\n=======\nx = 2\n>>>>>>> REPLACE\n```\n")
    page.get_by_test_id("save-edit").click()
    refusal = re.compile(r"^Your edit of the code cannot be applied to the project's files, so nothing of it was: "
                         r"Edit \d+: `src/nowhere\.py`.* Correct it, or approve the answer as it was\.$")
    expect(page.get_by_test_id("edit-error")).to_have_text(refusal)
    page.get_by_test_id("edit-cancel").click()
    expect(page.get_by_test_id("edit-refused")).to_contain_text("src/nowhere.py")
    expect(page.get_by_test_id("approval-panel")).to_have_attribute("data-agent", "developer")
    assert [e["value"]["agent"] for e in approving_server.events(run_id)
            if e["type"] == "CUSTOM" and e["name"] == "edit_refused"] == ["developer"]
    page.get_by_test_id("approve").click()
    expect(page.get_by_test_id("run-status")).to_have_attribute("data-status", "completed", timeout=90_000)
    expect(page.get_by_test_id("artifact-analyst")).to_have_attribute("data-edited", "true")
    # The API as the browser's user, with its session cookie.
    artifacts = {a["agent"]: a for a in page.request.get(f"{approving_server.url}/api/runs/{run_id}/artifacts").json()}
    assert artifacts["analyst"]["content"] == "# Requirements\n\nEvery packet records its grower and harvest year."
    assert artifacts["analyst"]["edited"] and len(artifacts) == 5
    assert [d["decision"] for d in decided(approving_server, run_id)] == ["edit", "approve"]


@pytest.mark.own_server
def test_a_pending_approval_survives_reload_and_restart_and_two_tabs_decide_it_once(approving_server, pages):
    server = approving_server
    page = pages(server.url)
    page.get_by_test_id("brief-input").fill("A noticeboard for a block of flats: repairs, parcels, events.")
    page.get_by_test_id("start-run").click()
    page.wait_for_url("**/runs/*")
    run_id = page.url.rsplit("/", 1)[-1]
    waiting_for(page, "analyst")
    page.reload()
    waiting_for(page, "analyst")

    server.stop()
    with start_server(server.data_dir, UNPACED, port=server.port) as restarted:
        first, second = pages(page.url), pages(page.url)
        for tab in (first, second):
            waiting_for(tab, "analyst")
            # The page's first HTML already shows the checkpoint; its buttons work once its socket is connected.
            expect(tab.get_by_test_id("connection-status")).to_have_attribute("data-state", "connected")
            tab.evaluate(RECORD_NOTICES)
        # Both tabs click while both still show the checkpoint.
        first.get_by_test_id("approve").dispatch_event("click")
        second.get_by_test_id("approve").dispatch_event("click")
        for _ in range(300):  # the later click was refused, and its tab was told so
            notices = [notice for tab in (first, second) for notice in tab.evaluate("[...window.notices]")]
            if any(ALREADY_DECIDED in notice for notice in notices):
                break
            first.wait_for_timeout(100)
        else:
            raise AssertionError("neither tab said the checkpoint was already decided")
        for tab in (first, second):
            expect(tab.get_by_test_id("agent-card-analyst")).to_have_attribute("data-status", "done")
            waiting_for(tab, "architect")
        assert len(decided(restarted, run_id)) == 1


def test_pause_resume_then_cancel_mid_stream_closes_the_stream_within_a_second(tmp_path, fault_server, pages):
    # The Analyst answers at 20 ms a token (seconds), every later agent at 220 ms (a minute an answer): the pause,
    # clicked while the Analyst works, takes effect after whichever agent works when it lands, and the cancel lands
    # while the resumed agent streams, however busy the machine.
    model = fault_server("script:ok,slow,slow,slow,slow", delay_ms=20)
    with start_server(tmp_path / "app", model.app_env) as server:
        page = pages(server.url)
        page.get_by_test_id("brief-input").fill("A timetable for a village minibus run by volunteers.")
        page.get_by_test_id("start-run").click()
        page.wait_for_url("**/runs/*")
        run_id = page.url.rsplit("/", 1)[-1]
        expect(page.get_by_test_id("agent-card-analyst")).to_have_attribute("data-status", "working")
        page.get_by_test_id("pause-run").click()
        expect(page.get_by_test_id("run-note")).to_contain_text("Pausing after the current agent")
        expect(page.get_by_test_id("run-status")).to_have_attribute("data-status", "paused", timeout=120_000)
        # What the pause did: the agents before it are done, the next one waits, and none works.
        cards = [page.get_by_test_id(f"agent-card-{agent}") for agent in AGENTS]
        for card in cards:
            expect(card).not_to_have_attribute("data-status", "working")
        finished = next(index for index, card in enumerate(cards) if card.get_attribute("data-status") != "done")
        assert finished >= 1, "the Analyst was working when the pause was clicked"
        for card in cards[:finished]:
            expect(card).to_have_attribute("data-status", "done")
        resumed, after = AGENTS[finished], cards[finished]
        expect(after).to_have_attribute("data-status", "queued")
        expect(page.locator("[data-testid=message][data-agent=analyst][data-complete=true]")).to_have_count(1)
        expect(page.locator("[data-testid=message][data-complete=true]")).to_have_count(finished)

        page.get_by_test_id("resume-run").click()
        expect(after).to_have_attribute("data-status", "working")
        expect(page.locator(f"[data-testid=message][data-agent={resumed}]")).to_be_visible()
        page.get_by_test_id("cancel-run").click()
        expect(page.get_by_test_id("run-status")).to_have_attribute("data-status", "cancelled")
        expect(after).to_have_attribute("data-status", "cancelled")
        expect(page.get_by_test_id("artifact-analyst")).to_be_visible()  # finished work is kept

        cancelled = next(e for e in server.events(run_id) if e["type"] == "RUN_FINISHED"
                         and (e.get("outcome") or {}).get("type") == "cancelled")
    ended = model.stream_ends()
    assert ended, "the demo model saw its stream closed"
    closed_at = ended[-1]
    assert abs(closed_at - cancelled["timestamp"] / 1000) <= 1.0


def test_retry_brings_a_failed_agent_back(tmp_path, fault_server, pages):
    faults = fault_server("script:400")  # the first call fails for good, later ones succeed
    with start_server(tmp_path / "app", {"OPENAI_API_KEY": "test-key", "OPENAI_BASE_URL": f"{faults.url}/demo/v1",
                                         "BOTARMY_MODEL": "botarmy-demo"}) as app:
        page = pages(app.url)
        page.get_by_test_id("brief-input").fill("A kit list for a scout troop's camping trips.")
        page.get_by_test_id("start-run").click()
        page.wait_for_url("**/runs/*")
        analyst = page.get_by_test_id("agent-card-analyst")
        expect(analyst).to_have_attribute("data-status", "failed", timeout=30_000)
        expect(page.get_by_test_id("run-status")).to_have_attribute("data-status", "failed")
        page.get_by_test_id("retry-agent-analyst").click()
        expect(page.get_by_test_id("run-status")).to_have_attribute("data-status", "completed", timeout=90_000)
        expect(analyst).to_have_attribute("data-status", "done")
        expect(analyst.get_by_test_id("error-notice")).to_have_count(0)
        expect(page.locator("[data-testid=message][data-complete=true]")).to_have_count(5)
