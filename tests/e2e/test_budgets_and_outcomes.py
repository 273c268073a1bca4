"""In a real browser: a run that reaches its soft budget waits for the user, "continue" goes on and "stop" ends it
with every artifact kept; and a run whose model answered in prose says "Finished — no runnable code" on its page,
in the tab's title and in the history list, never plain "Completed"."""

import json
import re

import pytest
from playwright.sync_api import expect

from core.domain.outcome import LABELS, RunOutcome
from tests.support.openai_stub import openai_endpoint
from tests.support.server import start_server

BRIEF = "A repair log for a bicycle co-op's shared workshop tools."
# The demo model at a price that makes a whole run cost about $0.15, and one call at most about $0.17: a soft budget
# of $0.25 asks before a later agent.
PRICES = json.dumps({"botarmy-demo": [10.0, 40.0]})
QUESTION = re.compile(r"^\$0\.\d\d spent of \$0\.25; the \w+'s next call may cost up to \$0\.\d\d\. "
                      r"Continue with another \$1\.00\?$")


@pytest.fixture
def priced_server(tmp_path):
    with start_server(tmp_path / "data", {"BOTARMY_DEMO_TOKEN_DELAY_MS": "0", "BOTARMY_PRICES": PRICES}) as server:
        yield server


def start_with_soft_budget(page) -> str:
    page.get_by_test_id("brief-input").fill(BRIEF)
    page.get_by_test_id("soft-budget").fill("0.25")
    page.get_by_test_id("start-run").click()
    page.wait_for_url(re.compile(r"/runs/[\w-]+$"), timeout=30_000)
    expect(page.get_by_test_id("budget-panel")).to_be_visible(timeout=60_000)
    expect(page.get_by_test_id("run-status")).to_have_attribute("data-status", "waiting_approval")
    expect(page.get_by_test_id("budget-question")).to_have_text(QUESTION)
    return page.url.rsplit("/", 1)[-1]


def test_the_soft_budget_waits_continue_goes_on_and_stop_keeps_the_artifacts(priced_server, pages):
    server = priced_server
    page = pages(server.url)
    run_id = start_with_soft_budget(page)
    waiting = page.get_by_test_id("budget-panel").get_attribute("data-agent")
    assert waiting not in server.artifacts(run_id)  # it asks before the call, not after
    page.get_by_test_id("budget-continue").click()
    expect(page.get_by_test_id("run-status")).to_have_attribute("data-status", "completed", timeout=120_000)
    expect(page.get_by_test_id("budget-panel")).to_be_hidden()
    expect(page.get_by_test_id("run-status")).to_have_text(LABELS[RunOutcome.PASSED])
    assert len(server.artifacts(run_id)) == 5
    [decided] = [e["value"] for e in server.events(run_id) if e["type"] == "CUSTOM" and e["name"] == "budget_decided"]
    assert decided["proceed"] is True and decided["soft_budget_usd"] == pytest.approx(1.25)
    # What it cost, per agent, adds up to the run's cost in the header.
    header = float(page.get_by_test_id("run-usage").get_attribute("data-cost-usd"))
    cards = sum(float(page.get_by_test_id(f"agent-card-{name}").get_by_test_id("agent-tokens").get_attribute(
        "data-cost-usd")) for name in ("analyst", "architect", "developer", "tester", "deployer"))
    assert header == pytest.approx(cards) and 0 < header < 1.25

    page = pages(server.url)
    run_id = start_with_soft_budget(page)
    kept = server.artifacts(run_id)
    assert kept  # some agents worked before the question
    page.get_by_test_id("budget-stop").click()
    badge = page.get_by_test_id("run-status")
    expect(badge).to_have_attribute("data-outcome", RunOutcome.BUDGET_STOPPED, timeout=30_000)
    expect(badge).to_have_text(LABELS[RunOutcome.BUDGET_STOPPED])
    expect(page.get_by_test_id("budget-panel")).to_be_hidden()
    assert server.artifacts(run_id) == kept
    for agent in kept:
        expect(page.get_by_test_id(f"artifact-{agent}")).to_be_visible()


@pytest.fixture
def prose_server(tmp_path):
    with openai_endpoint() as endpoint:
        env = {"OPENAI_API_KEY": "sk-test", "OPENAI_BASE_URL": endpoint.url}
        with start_server(tmp_path / "data", env) as server:
            yield server


def test_a_run_of_prose_answers_says_it_has_no_runnable_code_on_every_page(prose_server, pages):
    server = prose_server
    page = pages(server.url)
    page.get_by_test_id("brief-input").fill(BRIEF)
    page.get_by_test_id("start-run").click()
    page.wait_for_url(re.compile(r"/runs/[\w-]+$"), timeout=30_000)
    run_id = page.url.rsplit("/", 1)[-1]
    label = LABELS[RunOutcome.NO_CODE]
    badge = page.get_by_test_id("run-status")
    expect(badge).to_have_attribute("data-outcome", RunOutcome.NO_CODE, timeout=120_000)
    expect(badge).to_have_attribute("data-status", "completed")
    expect(badge).to_have_text(label)
    expect(page).to_have_title(re.compile(f"^{label}"))
    expect(page.get_by_test_id("repair-request").filter(has_text="No code")).to_have_count(1)
    expect(page.get_by_test_id("agent-card-developer").get_by_test_id("agent-missing")).to_have_text(
        "No code: the answer held no file in the form **File: `path`** followed by a code block.")

    history = pages(f"{server.url}/runs")
    row = history.locator(f"[data-testid=run-row][data-run-id='{run_id}']")
    expect(row).to_have_attribute("data-outcome", RunOutcome.NO_CODE)
    expect(row).to_contain_text(label)
    expect(row).not_to_contain_text(re.compile(r"\bCompleted\b"))
