"""Debian's Chromium as Playwright launches it here, and reading a page once it has settled."""

from playwright.sync_api import Page, expect

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync", "--no-first-run"]


def transcript_text(page: Page) -> str:
    """The transcript's text once its one mermaid diagram (the architect's) is drawn, which happens asynchronously."""
    transcript = page.get_by_test_id("transcript")
    expect(transcript.locator(".mermaid-svg svg")).to_have_count(1)
    return transcript.inner_text()
