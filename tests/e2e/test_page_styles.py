"""The page's utility styles change only when a new utility class appears: a streamed answer's own class names
(highlighted code, diagrams) never make the browser restyle and lay out the whole page (assets/utility_classes.js)."""

from playwright.sync_api import expect

from tests.support.browser import start_run

# Each time UnoCSS writes its style sheets (one callback of this observer: it writes every layer at once), whether
# any layer's text changed.
WATCH = """
window.__writes = [];
new MutationObserver((records) => {
  const layers = records.filter((r) => r.target instanceof HTMLStyleElement && r.target.dataset.unocssRuntimeLayer);
  if (!layers.length) return;
  const changed = layers.some((r) => [...r.removedNodes].map((n) => n.textContent).join("") !== r.target.textContent);
  window.__writes.push(changed);
}).observe(document, { subtree: true, childList: true });
"""
UTILITIES = "[...document.querySelectorAll('style[data-unocss-runtime-layer=default]')].map(n => n.textContent).join('')"


def test_a_whole_run_rewrites_the_utility_styles_only_when_they_change(server, pages):
    page = pages(server.url, init_script=WATCH)
    start_run(page, "A plant-watering log for a community garden, with reminders.", until_working="analyst", log=server)
    expect(page.get_by_test_id("run-status")).to_have_attribute("data-status", "completed", timeout=120_000)
    # The answers brought class names of their own: highlighted code and a diagram.
    expect(page.locator("[data-testid=message] .codehilite").first).to_be_attached()
    expect(page.locator("[data-testid=message] svg .nodeLabel").first).to_be_attached()
    writes = page.evaluate("window.__writes")
    assert writes, "the utility styles were never written"
    assert all(writes), f"{writes.count(False)} of {len(writes)} writes of the utility styles changed nothing"
    assert ".w-full" in page.evaluate(UTILITIES), "the utilities the page uses have their rules"
