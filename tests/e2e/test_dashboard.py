"""End to end: a brief becomes five artifacts in real Chromium, live in two tabs at once."""

from playwright.sync_api import expect

from tests.support.browser import (
    assert_same_text,
    fingerprints,
    shown_fingerprints,
    transcript_text,
)

AGENTS = ["analyst", "architect", "developer", "tester", "deployer"]
BRIEF = "A small web app where a team of volunteers tracks which park benches need repair."



def test_brief_to_five_artifacts_live_in_two_tabs(server, pages):
    page = pages(server.url)
    expect(page.get_by_test_id("connection-status")).to_have_attribute("data-state", "connected")
    expect(page.get_by_test_id("demo-mode")).to_be_visible()
    start = page.get_by_test_id("start-run")
    expect(start).to_be_disabled()
    page.get_by_test_id("brief-input").fill(BRIEF)
    expect(start).to_be_enabled()
    start.click()
    page.wait_for_url("**/runs/*")
    run_url = page.url
    expect(page.get_by_test_id("run-status")).to_have_attribute("data-status", "running")

    # A second tab joins mid-run and must show the same run.
    expect(page.get_by_test_id("agent-card-architect")).to_have_attribute("data-status", "working", timeout=30_000)
    second = pages(run_url)
    expect(second.get_by_test_id("agent-card-analyst")).to_have_attribute("data-status", "done")

    for tab in (page, second):
        expect(tab.get_by_test_id("run-status")).to_have_attribute("data-status", "completed", timeout=90_000)
        for agent in AGENTS:
            expect(tab.get_by_test_id(f"agent-card-{agent}")).to_have_attribute("data-status", "done")
            expect(tab.get_by_test_id(f"artifact-{agent}")).to_be_visible()
        messages = tab.get_by_test_id("transcript").get_by_test_id("message")
        expect(messages).to_have_count(5)
        expect(tab.locator("[data-testid=message][data-complete=true]")).to_have_count(5)
        expect(tab.get_by_test_id("error-notice")).to_have_count(0)
        expect(tab.get_by_test_id("component-fallback")).to_have_count(0)

    assert_same_text([transcript_text(page), transcript_text(second)])
    assert [m.get_attribute("data-agent") for m in page.get_by_test_id("message").all()] == AGENTS
    # Rendered markdown: headings, highlighted code and a drawn mermaid diagram.
    transcript = page.get_by_test_id("transcript")
    expect(transcript.locator("h1")).to_have_count(5)
    expect(transcript.locator(".codehilite").first).to_be_visible()
    expect(transcript.locator(".mermaid-svg svg").first).to_be_visible()

    artifacts = server.artifacts(run_url.rsplit("/", 1)[-1])
    assert sorted(artifacts) == sorted(AGENTS)
    assert BRIEF in artifacts["analyst"]
    assert shown_fingerprints(page) == shown_fingerprints(second) == fingerprints(artifacts)
