"""Accessible to everyone: axe-core (from npm) finds no serious or critical violation on any page or run state, and
a whole run is driven by keyboard alone, with the focus always visible; the tab's title follows the run's state."""

import re

import pytest
from playwright.sync_api import expect

from tests.support.axe import assert_accessible
from tests.support.keyboard import press, tab_to, type_into
from tests.support.server import start_server
from tests.support.timeline import from_server, shown_spans, spans_from_the_log

CHECKED = {"bypass_csp": True}  # axe is injected, which the pages' CSP would refuse


def titled(page, words: str) -> None:
    expect(page).to_have_title(f"{words} — BotArmy", timeout=60_000)


def status_is(page, status: str) -> None:
    expect(page.get_by_test_id("run-status")).to_have_attribute("data-status", status, timeout=90_000)


@pytest.fixture
def approving_server(tmp_path):
    with start_server(tmp_path / "data", {"BOTARMY_DEMO_TOKEN_DELAY_MS": "3",
                                          "BOTARMY_APPROVALS": "analyst,architect"}) as server:
        yield server


def test_a_whole_run_with_approvals_by_keyboard_alone_is_accessible_in_every_state(approving_server, pages):
    server = approving_server
    page = pages(server.url, **CHECKED)
    expect(page.get_by_test_id("connection-status")).to_have_attribute("data-state", "connected")
    titled(page, "New run")
    assert_accessible(page, "the dashboard")

    press(page, "example-1")  # an example fills the brief box, to edit
    expect(page.get_by_test_id("brief-input")).to_have_value(re.compile("climbing gym"))
    type_into(page, "brief-input", "A booking tool for a climbing gym's belay courses, used by staff and climbers.")
    press(page, "start-run")
    page.wait_for_url("**/runs/*")
    run_id = page.url.rsplit("/", 1)[-1]
    expect(page.get_by_test_id("agent-card-analyst")).to_have_attribute("data-status", "working", timeout=30_000)
    titled(page, "Analyst working")
    assert_accessible(page, "a running run")

    status_is(page, "waiting_approval")
    titled(page, "Waiting for your approval")
    expect(page.get_by_test_id("run-announcer")).to_contain_text("Waiting for your approval")
    assert_accessible(page, "a run waiting for approval, with the approval panel")
    press(page, "approve")

    expect(page.get_by_test_id("approval-panel")).to_have_attribute("data-agent", "architect", timeout=60_000)
    status_is(page, "waiting_approval")
    type_into(page, "feedback-input", "Add a waiting list for full courses.")
    press(page, "request-changes")
    expect(page.get_by_test_id("feedback-note")).to_contain_text("waiting list")
    expect(page.locator("[data-testid=message][data-agent=architect][data-complete=true]")).to_have_count(
        2, timeout=60_000)
    status_is(page, "waiting_approval")
    press(page, "edit-artifact")
    expect(page.get_by_test_id("edit-input")).to_be_visible()
    type_into(page, "edit-input", "# Architecture\n\nOne web app and one SQLite file.")
    press(page, "save-edit")

    expect(page.get_by_test_id("agent-card-developer")).to_have_attribute("data-status", "working", timeout=60_000)
    press(page, "pause-run")
    status_is(page, "paused")
    titled(page, "Paused")
    assert_accessible(page, "a paused run")
    press(page, "resume-run")

    status_is(page, "completed")
    titled(page, "Completed")
    assert_accessible(page, "a completed run")
    with page.expect_download() as download:
        press(page, "download-all")
    assert download.value.suggested_filename.endswith(".zip")
    decisions = [(e["value"]["decision"], e["value"].get("content")) for e in server.events(run_id)
                 if e["type"] == "CUSTOM" and e["name"] == "approval_decided"]
    assert decisions == [("approve", None), ("request_changes", None),
                         ("edit", "# Architecture\n\nOne web app and one SQLite file.")]

    # The timeline on the page shows exactly the spans the stored events describe.
    events = from_server(server.events(run_id), run_id)
    expect(page.get_by_test_id("timeline-spans").locator("li[data-kind=paused]")).to_have_count(1)
    assert shown_spans(page) == {(lane, kind.value, start, end, outcome.value)
                                 for lane, kind, start, end, outcome in spans_from_the_log(events)}
    # Focus on the chart tells the first span; the arrow keys step through the rest.
    tab_to(page, "run-timeline")
    focused = page.get_by_test_id("timeline-focused")
    expect(focused).to_contain_text("Analyst worked from 0:00")
    page.keyboard.press("ArrowRight")
    expect(focused).not_to_contain_text("Analyst worked from 0:00")


def test_a_failed_agent_is_retried_and_the_run_cancelled_by_keyboard(tmp_path, fault_server, pages):
    # The first call fails for good; the retried one streams at 210 ms a token, so the cancel lands mid-answer.
    faults = fault_server("script:400,slow", delay_ms=10)
    with start_server(tmp_path / "app", {"OPENAI_API_KEY": "test-key", "OPENAI_BASE_URL": f"{faults.url}/demo/v1",
                                         "BOTARMY_MODEL": "botarmy-demo"}) as app:
        page = pages(app.url, **CHECKED)
        type_into(page, "brief-input", "A kit list for a scout troop's camping trips.")
        press(page, "start-run")
        page.wait_for_url("**/runs/*")
        status_is(page, "failed")
        titled(page, "Failed")
        assert_accessible(page, "a failed run")

        press(page, "retry-agent-analyst")
        expect(page.get_by_test_id("agent-card-analyst")).to_have_attribute("data-status", "working")
        press(page, "cancel-run")
        status_is(page, "cancelled")
        titled(page, "Cancelled")
        expect(page.get_by_test_id("run-announcer")).to_contain_text("The run was cancelled.")
        assert_accessible(page, "a cancelled run")


def test_failing_tests_and_the_terminal_are_accessible_and_driven_by_keyboard_in_both_schemes(tmp_path, pages):
    with start_server(tmp_path / "data", {"BOTARMY_DEMO_TOKEN_DELAY_MS": "0", "BOTARMY_DEMO_FAULTS": "buggy=1",
                                          "BOTARMY_FIX_ROUNDS": "0"}) as server:
        page = pages(server.url, **CHECKED)
        type_into(page, "brief-input", "A seed swap list for a garden club.")
        press(page, "start-run")
        page.wait_for_url("**/runs/*")
        run_id = page.url.rsplit("/", 1)[-1]
        status_is(page, "completed")
        titled(page, "Finished — tests failed")
        expect(page.get_by_test_id("run-announcer")).to_contain_text("The project's tests failed")
        expect(page.get_by_test_id("verify-status")).to_have_attribute("data-status", "failed")
        expect(page.get_by_test_id("verify-badge")).to_have_attribute("data-status", "failed")
        expect(page.get_by_test_id("terminal")).not_to_have_attribute("data-lines", "0")

        # The command line, Run and Stop by keyboard; Tab leaves the terminal rather than typing into it.
        expect(page.get_by_role("textbox", name="Command to run in the project folder")).to_be_visible()
        type_into(page, "command-input", "echo typed by keyboard")
        press(page, "run-command")
        status = page.get_by_test_id("command-status")
        expect(status).to_have_attribute("data-status", "passed", timeout=30_000)
        type_into(page, "command-input", "sleep 30")
        page.keyboard.press("Enter")
        expect(status).to_have_attribute("data-status", "running", timeout=30_000)
        press(page, "stop-command")
        expect(status).to_have_attribute("data-status", "interrupted", timeout=30_000)
        page.locator("[data-testid=terminal] textarea").focus()
        page.keyboard.press("Tab")
        assert page.evaluate("() => !document.activeElement.closest('[data-testid=terminal]')")
        assert_accessible(page, "a completed run whose tests failed, with the terminal's output")

        # The timeline's lane for the tests and commands shows what the log holds.
        events = from_server(server.events(run_id), run_id)
        expect(page.get_by_test_id("timeline-spans").locator("li[data-kind=command]")).to_have_count(2)
        assert shown_spans(page) == {(lane, kind.value, start, end, outcome.value)
                                     for lane, kind, start, end, outcome in spans_from_the_log(events)}
        expect(page.get_by_test_id("timeline-spans").locator("li[data-kind=tests]")).to_contain_text(
            "failed (9 passed, 1 failed, 0 errors)")

        press(page, "scheme-toggle")
        expect(page.locator("body")).to_have_class(re.compile("body--dark"))
        assert_accessible(page, "a completed run whose tests failed, with the terminal's output, dark")


def test_sign_in_history_and_account_are_accessible_in_both_colour_schemes(tmp_path, pages):
    with start_server(tmp_path / "data", {"BOTARMY_AUTH": "password", "BOTARMY_DEMO_TOKEN_DELAY_MS": "0"}) as server:
        server.users("add", "alice", password="correct horse battery")
        with server.api("alice") as api:  # two finished runs of alice's for the history and its chart
            for brief in ("A rota for a choir's tea duties.", "A tool library for a street."):
                api.post("/api/runs", json={"brief": brief}).raise_for_status()
        page = pages(f"{server.url}/runs", **CHECKED)
        expect(page.get_by_test_id("login-form")).to_be_visible()
        titled(page, "Sign in")
        assert_accessible(page, "the sign-in page")
        type_into(page, "login-name", "alice")
        type_into(page, "login-password", "correct horse battery")
        press(page, "login-submit")

        expect(page.get_by_test_id("run-row")).to_have_count(2)
        expect(page.get_by_test_id("history-chart").locator("[role=img]")).to_have_attribute(
            "aria-label", re.compile("your last 2 runs"), timeout=15_000)
        assert_accessible(page, "the history")
        press(page, "nav-account")
        expect(page.get_by_test_id("api-tokens")).to_be_visible()
        assert_accessible(page, "the account page")

        # The scheme follows the system until the user picks one, and stays picked.
        press(page, "scheme-toggle")
        expect(page.get_by_test_id("scheme-toggle")).to_have_attribute("data-scheme", "dark")
        expect(page.locator("body")).to_have_class(re.compile("body--dark"))
        assert_accessible(page, "the account page, dark")
        press(page, "nav-history")
        expect(page.locator("body")).to_have_class(re.compile("body--dark"))
        expect(page.get_by_test_id("run-row")).to_have_count(2)
        assert_accessible(page, "the history, dark")
