"""While a run streams: the header's figures equal the sum of the cards' at every change, the transcript keeps the
reader's place once they scroll up, screen readers hear state changes but not tokens, and a tab in the background
gets desktop notifications when the run needs the user. And a phone gets every page without sideways scrolling."""

import re

import pytest
from playwright.sync_api import expect

from tests.support.server import start_server

# Installed before the page's own scripts: a stand-in for the browser's notifications (the user says yes), a tab
# that has lost the focus, and a watch on every change of the run's figures and of its spoken status.
WATCH = """
window.__notices = [];
window.Notification = class {
  constructor(title, options) { window.__notices.push({title, body: options.body, tag: options.tag}); }
  static get permission() { return sessionStorage.getItem('permission') || 'default'; }
  static async requestPermission() { sessionStorage.setItem('permission', 'granted'); return 'granted'; }
};
document.hasFocus = () => false;
window.__checks = 0;
window.__mismatches = [];
window.__spoken = [];
new MutationObserver((records) => {
  const header = document.querySelector('[data-testid=run-usage]');
  const cards = [...document.querySelectorAll('[data-testid=agent-tokens]')];
  if (header && cards.length && records.some(r => r.attributeName === 'data-tokens')) {
    window.__checks += 1;
    const tokens = cards.reduce((sum, card) => sum + Number(card.dataset.tokens), 0);
    const cost = cards.reduce((sum, card) => sum + Number(card.dataset.costUsd), 0);
    if (Number(header.dataset.tokens) !== tokens || Math.abs(Number(header.dataset.costUsd) - cost) > 1e-6)
      window.__mismatches.push([header.dataset.tokens, tokens, header.dataset.costUsd, cost]);
  }
  const voice = document.querySelector('[data-testid=run-announcer]');
  if (voice && voice.textContent && voice.textContent !== window.__spoken.at(-1)) window.__spoken.push(voice.textContent);
}).observe(document, {subtree: true, attributes: true, childList: true, characterData: true,
                      attributeFilter: ['data-tokens', 'data-cost-usd']});
"""


DEVELOPER = "[data-testid=message][data-agent=developer]"
TOP_IN = "(element, box) => element.getBoundingClientRect().top - box.getBoundingClientRect().top"


def streams_on(box) -> None:
    """Wait until more text has arrived in the transcript."""
    height = box.evaluate("b => b.scrollHeight")
    box.page.wait_for_function("([box, height]) => box.scrollHeight > height + 100",
                               arg=[box.element_handle(), height], timeout=30_000)


@pytest.fixture
def priced_server(tmp_path):
    """Approval after the Analyst, a price for the demo model so that every call costs something, a steady pace."""
    with start_server(tmp_path / "data", {"BOTARMY_DEMO_TOKEN_DELAY_MS": "8", "BOTARMY_APPROVALS": "analyst",
                                          "BOTARMY_PRICES": '{"botarmy-demo": [10, 40]}'}) as server:
        yield server


def test_figures_agree_the_transcript_keeps_its_place_and_a_background_tab_is_told(priced_server, pages):
    server = priced_server
    page = pages(server.url, init_script=WATCH)
    toggle = page.get_by_test_id("notify-toggle")
    expect(toggle).to_have_attribute("aria-pressed", "false")
    toggle.click()  # the user allows notifications
    expect(toggle).to_have_attribute("aria-pressed", "true")
    page.get_by_test_id("brief-input").fill("A seed swap for allotment holders: who has which seeds, and when.")
    page.get_by_test_id("start-run").click()
    page.wait_for_url("**/runs/*")
    expect(page.get_by_test_id("run-status")).to_have_attribute("data-status", "waiting_approval", timeout=60_000)
    page.wait_for_function("window.__notices.length > 0")
    assert page.evaluate("window.__notices.map(n => n.title)") == ["Waiting for your approval"]
    page.get_by_test_id("approve").click()

    # Scroll up to the architect's answer while the developer streams: it stays where the reader put it until they
    # come back down to the end, which then follows the new text again.
    expect(page.locator(DEVELOPER)).to_be_visible(timeout=60_000)
    box = page.locator(".transcript-scroll")
    expect(box).to_have_attribute("data-following", "true")
    architect = page.locator("[data-testid=message][data-agent=architect]")
    page.wait_for_function(f"([box, message]) => ({TOP_IN})(message, box) < -300",
                           arg=[box.element_handle(), architect.element_handle()], timeout=30_000)
    box.hover()
    while architect.evaluate(TOP_IN, box.element_handle()) < 0:
        page.mouse.wheel(0, -200)
        page.wait_for_timeout(50)
    expect(box).to_have_attribute("data-following", "false")
    place = architect.evaluate(TOP_IN, box.element_handle())
    streams_on(box)
    assert architect.evaluate(TOP_IN, box.element_handle()) == place
    page.mouse.wheel(0, 100_000)
    expect(box).to_have_attribute("data-following", "true")
    streams_on(box)
    # At the end within a frame: the box follows once the text's growth is observed, which a check made right
    # between the growth and the next frame would miss.
    page.wait_for_function("b => b.scrollHeight - b.scrollTop - b.clientHeight <= 48", arg=box.element_handle(),
                           timeout=30_000)

    expect(page.get_by_test_id("run-status")).to_have_attribute("data-status", "completed", timeout=90_000)
    notices = page.evaluate("window.__notices")
    assert [n["title"] for n in notices] == ["Waiting for your approval", "Run completed"]
    assert notices[0]["body"] == "Analyst's requirements waits for your review."

    checks, mismatches = page.evaluate("[window.__checks, window.__mismatches]")
    assert checks > 50 and mismatches == [], f"the header differed from the cards' sum: {mismatches[:5]}"
    header = page.get_by_test_id("run-usage")
    assert float(header.get_attribute("data-cost-usd")) > 0
    streamed = sum(1 for e in server.events(page.url.rsplit("/", 1)[-1]) if e["type"] == "TEXT_MESSAGE_CONTENT")
    spoken = page.evaluate("window.__spoken")
    assert 5 <= len(spoken) <= 30 < streamed, "state changes are spoken, tokens are not"
    # The end is said last: the Deployer's finish and the run's outcome, in one announcement, or in two when a flush
    # fell between their events (the pipeline appends them one after the other).
    assert " ".join(spoken[-2:]).endswith(
        "Deployer: done. Completed. The project's tests ran and passed: every artifact is ready.")


def test_a_phone_in_the_dark_gets_every_page_without_sideways_scrolling_and_its_recent_runs(server, pages):
    page = pages(server.url, viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True,
                 color_scheme="dark")
    expect(page.locator("body")).to_have_class(re.compile("body--dark"))  # the system's scheme, until one is picked
    page.get_by_test_id("brief-input").fill("A lost-and-found board for a primary school.")
    page.get_by_test_id("start-run").click()
    page.wait_for_url("**/runs/*")
    expect(page.get_by_test_id("pause-run")).to_be_in_viewport()
    expect(page.get_by_test_id("run-status")).to_have_attribute("data-status", "completed", timeout=90_000)
    run_id = page.url.rsplit("/", 1)[-1]
    for path in ("", "/", "/runs", "/account"):
        if path:
            page.goto(server.url + path)
        expect(page.get_by_test_id("connection-status")).to_have_attribute("data-state", "connected")
        overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
        assert overflow <= 0, f"{path or 'the run page'} is {overflow} px wider than a phone"
        if path == "/":  # a returning user finds their run, and how it stands, on the first page
            expect(page.get_by_test_id("recent-run")).to_have_attribute("data-run-id", run_id)
            expect(page.get_by_test_id("recent-run")).to_have_attribute("data-status", "completed")
