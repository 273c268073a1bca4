"""Hostile model output and a hostile brief in real Chromium: nothing runs, no markup gets through, the text stays
readable, and an answer looks the same while it streams and once it is complete.

The demo model runs with the `hostile` fault (core/demo_hostile.py): every answer ends with script tags, event
handlers, script and data links, frames, a phishing form, CSS, mXSS vectors and a mermaid diagram with HTML labels
and clicks to script, then echoes the brief. Every payload tries to set `window.__pwned`.
"""

import re

import pytest
from playwright.sync_api import Page, expect

from core.demo.hostile import HEADING
from tests.support.browser import shown_text
from tests.support.server import start_server

AGENTS = ["analyst", "architect", "developer", "tester", "deployer"]
BRIEF = "A <img src=x onerror=window.__pwned=1> tracker for </script><script>window.__pwned=1</script> small teams"
FEEDBACK = ("<svg onload=window.__pwned=1> Add <b onmouseover=window.__pwned=1>priorities</b> "
            "</textarea><script>window.__pwned=1</script>")

# Watches every change to model content from the first byte on, streaming included: anything dangerous that ever
# appears, even for a moment, is recorded, and so is anything the page's Content-Security-Policy had to refuse.
# Streamed snapshots of each answer are kept to compare with the final one.
WATCH = """
window.__violations = [];
window.__streamed = {};
const FORBIDDEN = new Set(["script", "iframe", "frame", "object", "embed", "form", "style", "input", "button",
  "textarea", "select", "meta", "base", "link", "math", "noscript", "template", "svg", "details", "body"]);
const URLS = new Set(["href", "src", "xlink:href", "action", "formaction", "data", "srcdoc", "background", "poster"]);
window.__dangers = (root, allowed = []) => {
  const found = [];
  for (const element of [root, ...root.querySelectorAll("*")]) {
    const tag = element.tagName.toLowerCase();
    // A drawn diagram is mermaid's SVG with its own stylesheet, scoped to its id.
    const diagram = element.closest(".mermaid-svg")
      && (tag === "svg" || (tag === "style" && element.parentElement.matches(".mermaid-svg > svg")));
    if (FORBIDDEN.has(tag) && !diagram && !allowed.includes(tag)) found.push(`<${tag}>`);
    for (const { name, value } of element.attributes) {
      if (name.toLowerCase().startsWith("on")) found.push(`${tag} ${name}`);
      const url = value.replace(/[\\s\\u0000-\\u001f]/g, "");
      if (URLS.has(name.toLowerCase()) && /^(?:javascript|vbscript|data):/i.test(url))
        found.push(`${tag} ${name}="${value}"`);
      // Model markup has no inline styles; Quasar's own elements (an expansion's body) do.
      if (name.toLowerCase() === "style" && element.closest(".botarmy-markdown") && !element.closest(".mermaid-svg"))
        found.push(`${tag} style="${value}"`);
    }
  }
  return found;
};
const MODEL_CONTENT = ".botarmy-markdown, [data-testid=feedback-note], [data-testid=run-brief]";
new MutationObserver((records) => {
  const regions = new Set();
  for (const { target, addedNodes } of records) {
    const element = target.nodeType === 1 ? target : target.parentElement;
    const region = element?.closest(MODEL_CONTENT);
    if (region) regions.add(region);
    for (const node of addedNodes) {
      if (node.nodeType === 1) node.querySelectorAll(MODEL_CONTENT).forEach((inner) => regions.add(inner));
    }
  }
  for (const region of regions) {
    window.__violations.push(...window.__dangers(region));
    if (region.matches("[data-testid=message-body]") && region.innerText.includes("in a code span"))
      window.__streamed[region.closest("[data-testid=message]").dataset.agent] = region.innerText;
  }
}).observe(document, { subtree: true, childList: true, attributes: true, characterData: true });
// The page's CSP is the last line; whatever it has to stop got past the renderers. Except inline handlers: Chromium
// reports one as soon as any parser meets it, even in the inert document a sanitizer parses into (mermaid's, for a
// label), where it never runs; that no handler reaches the page is checked above.
document.addEventListener("securitypolicyviolation", (event) => {
  if (event.effectiveDirective !== "script-src-attr")
    window.__violations.push(`CSP refused ${event.effectiveDirective}: ${event.blockedURI || "inline"}`);
});
"""


@pytest.fixture
def hostile_server(tmp_path):
    with start_server(tmp_path / "data", {"BOTARMY_DEMO_FAULTS": "hostile=1",
                                          "BOTARMY_DEMO_TOKEN_DELAY_MS": "4"}) as server:
        yield server


def injected(text: str) -> str:
    """The part of an answer's text from the hostile block's heading to its code span, before any diagram."""
    start = text.index(HEADING.lstrip("# "))
    return text[start:text.index("in a code span", start)]


def assert_nothing_ran(page: Page, dialogs: list[str], requests: list[str], url: str) -> None:
    assert page.evaluate("window.__pwned") is None, "a payload ran"
    assert dialogs == [], f"a payload opened a dialog: {dialogs}"
    assert page.evaluate("window.__violations") == [], "dangerous markup in model content, or a CSP refusal"
    assert [r for r in requests if "attacker.example" in r] == [], "a payload reached out to the attacker"
    assert page.url == url, "a payload navigated away"


def open_expansion(expansion) -> None:
    """Opened, and shown whole: an artifact's contents arrive from the server once it opens, and its diagrams are
    drawn after them. Each pushes what is below it down, under the next click if the test went on at once."""
    if "q-expansion-item--expanded" not in (expansion.get_attribute("class") or ""):
        expansion.locator(".q-item").first.click()
    expect(expansion).to_have_class(re.compile("q-expansion-item--expanded"))
    contents = expansion.locator(".q-expansion-item__content").first
    expect(contents).to_contain_text(re.compile(r"\S"))
    expect(contents.locator(".mermaid-svg")).to_have_count(contents.locator(".mermaid-pre").count())


def test_hostile_output_and_brief_run_nothing_and_stay_readable(hostile_server, pages):
    server = hostile_server
    page = pages(server.url)
    dialogs: list[str] = []
    requests: list[str] = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    page.on("request", lambda request: requests.append(request.url))
    page.add_init_script(WATCH)
    page.reload()

    page.get_by_test_id("brief-input").fill(BRIEF)
    page.get_by_test_id("approval-analyst").click()
    page.get_by_test_id("start-run").click()
    page.wait_for_url("**/runs/*")
    url = page.url
    run_id = url.rsplit("/", 1)[-1]

    # The Analyst's checkpoint: hostile feedback sends it back, and its new answer quotes that feedback.
    expect(page.get_by_test_id("run-status")).to_have_attribute("data-status", "waiting_approval", timeout=60_000)
    page.get_by_test_id("feedback-input").fill(FEEDBACK)
    page.get_by_test_id("request-changes").click()
    expect(page.get_by_test_id("feedback-note")).to_contain_text(FEEDBACK)
    expect(page.locator("[data-testid=message][data-agent=analyst][data-complete=true]")).to_have_count(
        2, timeout=60_000)
    expect(page.get_by_test_id("run-status")).to_have_attribute("data-status", "waiting_approval")
    page.get_by_test_id("approve").click()
    expect(page.get_by_test_id("run-status")).to_have_attribute("data-status", "completed", timeout=120_000)
    assert_nothing_ran(page, dialogs, requests, url)

    answers = page.locator("[data-testid=message][data-complete=true]")
    expect(answers).to_have_count(6)
    stored = server.artifacts(run_id)
    assert all(HEADING in stored[agent] for agent in AGENTS), "every answer carried the hostile block"

    # Readable: the payloads and the brief show as the text they are, in every answer.
    for answer in answers.all():
        text = shown_text(answer)
        assert "<script>window.__pwned=1</script>" in text
        assert '<img src=x onerror="window.__pwned=1">' in text
        assert f"The brief, as given: {BRIEF}" in text
    expect(answers.first.locator("blockquote").first).to_have_text(BRIEF)  # the Analyst quotes the brief
    expect(answers.nth(1)).to_contain_text(FEEDBACK)

    # Streaming and complete agree: what each answer showed while it streamed is what it shows now.
    streamed = page.evaluate("window.__streamed")
    assert "analyst" in streamed, "the hostile block was seen while it streamed"
    for agent, text in streamed.items():
        final = page.locator(f"[data-testid=message][data-agent={agent}][data-complete=true]").last
        assert injected(text) == injected(shown_text(final)), f"{agent}: the display changed on completion"

    # Diagrams still draw, the hostile one included, in strict mode and without the CSS its directive asked for.
    expect(page.get_by_test_id("transcript").locator(".mermaid-svg svg")).to_have_count(7)
    # Diagrams and code are drawn by the renderer, a sandboxed frame with an opaque origin that Chromium runs in a
    # process of its own (a target of its own): the page never loads mermaid or highlight.js, and the frame's
    # mermaid is in strict mode.
    expect(page.get_by_test_id("transcript").locator(".codehilite code span[class]").first).to_be_attached()
    imports = page.evaluate("JSON.parse(document.querySelector('script[type=importmap]').text).imports")
    mermaid = imports["nicegui-mermaid"]
    loaded = page.evaluate("performance.getEntriesByType('resource').map(entry => entry.name)")
    for module in (mermaid, imports["botarmy-highlight"]):
        assert not [entry for entry in loaded if module.rsplit("/", 1)[0] in entry], module
    (renderer,) = [frame for frame in page.frames if "/renderer.html?" in frame.url]
    assert renderer.evaluate("origin") == "null"
    level = "async (module) => (await import(module)).mermaid.mermaidAPI.getConfig().securityLevel"
    assert renderer.evaluate(level, mermaid) == "strict"
    targets = page.context.browser.new_browser_cdp_session().send("Target.getTargets")["targetInfos"]
    assert [target["type"] for target in targets if target["url"] == renderer.url] == ["iframe"]
    styles = page.evaluate("() => [...document.querySelectorAll('.mermaid-svg > svg > style')].map(s => s.textContent)")
    assert styles and not any("fill:red" in style.replace(" ", "") for style in styles)

    # Pointing at and clicking the hostile parts does nothing.
    first = answers.first
    for text in ("hover over me", "bold hover", "nested tag", "toggle me", "styled overlay", "The brief, as given"):
        first.get_by_text(text).first.hover()
    for text in ("click me", "entity scheme", "data page", "reference link", "cell link"):
        refused = first.locator("a", has_text=text)
        assert refused.get_attribute("href") is None
        expect(refused).to_have_css("text-decoration-line", "none")  # text, not a link that seems to be broken
        refused.click()
    first.get_by_text("inline onclick").click()
    diagram = first.locator(".mermaid-svg")
    for node in ("Start", "Next"):
        diagram.locator("g.node", has_text=node).hover()
        diagram.locator("g.node", has_text=node).click()
    page.wait_for_timeout(300)
    assert_nothing_ran(page, dialogs, requests, url)

    # Artifacts, each opened, and the Analyst's earlier version; then the brief in the run header.
    for agent in AGENTS:
        open_expansion(page.get_by_test_id(f"artifact-{agent}"))
    open_expansion(page.get_by_test_id("revisions-analyst"))
    artifacts = page.get_by_test_id("artifacts")
    expect(artifacts.locator(".botarmy-markdown")).to_have_count(6)
    expect(artifacts.locator(".mermaid-svg svg")).to_have_count(7)
    expect(page.get_by_test_id("artifact-analyst")).to_contain_text("<script>window.__pwned=1</script>")
    open_expansion(page.get_by_test_id("run-brief"))
    expect(page.get_by_test_id("run-brief")).to_contain_text(BRIEF)
    for region in ("transcript", "artifacts", "run-brief"):
        assert page.get_by_test_id(region).evaluate("element => window.__dangers(element, ['button'])") == [], region
    assert_nothing_ran(page, dialogs, requests, url)

    # The history shows the brief as text.
    page.get_by_test_id("nav-history").click()
    page.wait_for_url("**/runs")
    expect(page.get_by_test_id("run-link")).to_have_text(BRIEF)
    assert page.get_by_test_id("run-list").evaluate("element => window.__dangers(element, ['button'])") == []
    assert page.evaluate("window.__pwned") is None and dialogs == []
