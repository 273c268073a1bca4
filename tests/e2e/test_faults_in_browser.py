"""A misbehaving AI service, seen from a real browser: no technical error shown, no word lost or doubled."""

import re

import pytest
from playwright.sync_api import expect

from core.llm.errors import CONFIGURATION
from tests.support.browser import fingerprints, shown_fingerprints
from tests.support.server import start_server

FAKE_KEY = "sk-botarmy-FAKE-0123456789abcdefSECRET"
# Technical detail that must never reach the page; status codes only as standalone numbers, not inside "1,500".
FORBIDDEN = re.compile(r"Traceback|Error code|openai|Exception|(?<![\d,.])(429|500)(?![\d,.])")


@pytest.fixture
def app_against(tmp_path):
    """Start the app with an API key, talking to the given fault-injecting endpoint."""
    apps = []

    def start(fault_url: str, env: dict[str, str] | None = None):
        app = start_server(tmp_path / f"app-{len(apps)}", {
            "OPENAI_API_KEY": FAKE_KEY, "OPENAI_BASE_URL": f"{fault_url}/demo/v1", "BOTARMY_MODEL": "botarmy-demo",
            "BOTARMY_LLM_BACKOFF_INITIAL_S": "0.2", "BOTARMY_LLM_BACKOFF_MAX_S": "1",
            "BOTARMY_LLM_STALL_TIMEOUT_S": "1", **(env or {}),
        })
        apps.append(app)
        return app

    yield start
    for app in apps:
        app.stop()


def start(page, brief: str) -> str:
    page.get_by_test_id("brief-input").fill(brief)
    page.get_by_test_id("start-run").click()
    page.wait_for_url("**/runs/*")
    return page.url.rsplit("/", 1)[-1]


def test_five_runs_through_30_percent_mixed_faults_all_finish_with_exact_transcripts(
        fault_server, app_against, pages):
    faults = fault_server("429=0.06,500=0.06,503=0.06,cut=0.06,malformed=0.03,stall=0.03;seed=5", delay_ms=1)
    app = app_against(faults.url, {"BOTARMY_MAX_CONCURRENT_RUNS": "5", "BOTARMY_MAX_RUNS_PER_USER": "5"})
    # All five at once, each in a tab of its own: their waits for retries overlap instead of adding up.
    started = []
    for number in range(5):
        page = pages(app.url)
        started.append((page, start(page, f"A volunteer shift planner for food bank number {number + 1}.")))
    for page, run_id in started:
        expect(page.get_by_test_id("run-status")).to_have_attribute("data-status", "completed", timeout=120_000)
        expect(page.locator("[data-testid=message][data-complete=true]")).to_have_count(5)
        assert shown_fingerprints(page) == fingerprints(app.artifacts(run_id))
        expect(page.get_by_test_id("error-notice")).to_have_count(0)
        assert not FORBIDDEN.search(page.inner_text("body"))
    assert "injects fault" in faults.log(), "the fault mix must actually have hit these runs"


def test_a_bad_key_shows_the_configuration_message_at_once_and_is_not_retried(fault_server, app_against, pages):
    faults = fault_server("401=1.0")
    app = app_against(faults.url)
    page = pages(app.url)
    start(page, "An allotment waiting list for a town council.")
    expect(page.get_by_test_id("agent-card-analyst").get_by_test_id("error-notice")).to_contain_text(
        CONFIGURATION, timeout=3_000)
    expect(page.get_by_test_id("run-status")).to_have_attribute("data-status", "failed")
    expect(page.get_by_test_id("agent-card-architect")).to_have_attribute("data-status", "skipped")
    assert faults.log().count("injects fault 401") == 1, "a bad key is never retried"
    assert not FORBIDDEN.search(page.inner_text("body"))
    app_log = app.log()
    assert "HTTP Request: POST" in app_log
    for material in (FAKE_KEY, FAKE_KEY[3:], FAKE_KEY[-12:]):
        assert material not in app_log, "no key material in the log"
        assert material not in page.content()


def test_a_429_with_retry_after_shows_a_busy_countdown_and_resumes_after_it(fault_server, app_against, pages):
    faults = fault_server("script:429@2")
    app = app_against(faults.url)
    page = pages(app.url)
    run_id = start(page, "A swap shop for children's outgrown clothes.")
    analyst = page.get_by_test_id("agent-card-analyst")
    expect(analyst).to_have_attribute("data-waiting", "rate_limited")
    expect(analyst.get_by_test_id("agent-wait")).to_have_text(re.compile(r"AI service is busy\. Retrying in [0-2] s…"))
    expect(analyst).to_have_attribute("data-status", "working")
    expect(analyst.get_by_test_id("error-notice")).to_have_count(0)
    expect(analyst).to_have_attribute("data-waiting", "", timeout=10_000)
    expect(page.get_by_test_id("message").first).to_be_visible()

    events = app.events(run_id)
    waited = next(e for e in events if e["type"] == "CUSTOM" and e["name"] == "agent_waiting")
    resumed = next(e for e in events if e["type"] == "TEXT_MESSAGE_START")
    assert waited["value"]["until_ms"] - waited["timestamp"] >= 2000
    assert resumed["timestamp"] - waited["timestamp"] >= 2000
