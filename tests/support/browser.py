"""Debian's Chromium as Playwright launches it here, and reading a page once it has settled."""

import difflib
import hashlib
import re
import time
from pathlib import Path

import pytest
from playwright.sync_api import Locator, Page, expect

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync", "--no-first-run"]
SCREENSHOTS = Path(__file__).resolve().parents[1] / "artifacts"


def screenshots_if_failed(item: pytest.Item, pages: list[Page]) -> None:
    """Each page still open saved as tests/artifacts/<test>-<n>.png, if the test's call failed (the report that
    tests/e2e/conftest.py keeps on the item)."""
    report = getattr(item, "report_call", None)
    if report is None or not report.failed:
        return
    SCREENSHOTS.mkdir(exist_ok=True)
    name = re.sub(r"[^\w.-]+", "_", item.nodeid)
    for index, page in enumerate(pages):
        if not page.is_closed():
            page.screenshot(path=str(SCREENSHOTS / f"{name}-{index}.png"), full_page=True)


def transcript_text(page: Page) -> str:
    """The transcript's text as shown, once its one mermaid diagram (the architect's) is drawn.

    The diagram's own labels are left out: mermaid lays them out asynchronously in each browser, and the text they
    come from is already compared as the message's source.
    """
    transcript = page.get_by_test_id("transcript")
    expect(transcript.locator(".mermaid-svg svg")).to_have_count(1)
    return transcript.evaluate("""element => {
        const copy = element.cloneNode(true);
        copy.querySelectorAll('.mermaid-svg').forEach(svg => svg.remove());
        copy.querySelectorAll('.message').forEach(message => message.style.contentVisibility = 'visible');
        document.body.appendChild(copy);
        const text = copy.innerText;
        copy.remove();
        return text;
    }""")


def shown_text(locator: Locator) -> str:
    """The element's text as the page shows it (innerText), also while it is out of view: a finished message off
    screen is skipped by the browser (content-visibility), and its innerText is empty until it is laid out again."""
    return locator.evaluate("""element => {
        element.style.contentVisibility = 'visible';
        const text = element.innerText;
        element.style.contentVisibility = '';
        return text;
    }""")


def assert_same_text(texts: list[str]) -> None:
    """All tabs show the same transcript; on a difference, say where."""
    for other in texts[1:]:
        if other != texts[0]:
            diff = difflib.unified_diff(texts[0].splitlines(), other.splitlines(), lineterm="", n=1)
            raise AssertionError("tabs differ:\n" + "\n".join(list(diff)[:40]))


def start_run(page: Page, brief: str, *, until_working: str | None, log=None) -> None:
    """Start a run from the dashboard and wait until its page has loaded; with `until_working`, until that agent's
    answer streams in the view its log folds to (`log`: the server, or anything with `events(run_id)`), then until
    the page shows the agent's card. The log, not the card: a page still loading on a busy machine may first be drawn
    after a short answer ended (the Analyst's, at the paced server's 4 ms a token, lasts about 2 s). None: for a test
    that needs a run but not one caught mid-stream."""
    page.get_by_test_id("brief-input").fill(brief)
    page.get_by_test_id("start-run").click()
    if until_working is None:
        page.wait_for_url("**/runs/*")
        return
    assert log is not None, "an agent caught streaming needs the log to read it from"
    page.wait_for_url("**/runs/*", wait_until="commit")
    run_id = page.url.rsplit("/", 1)[-1]
    deadline = time.monotonic() + 30
    while (agent := logged_view(log, run_id).agents.get(until_working)) is None or not agent.streaming:
        assert time.monotonic() < deadline, f"the {until_working}'s answer was never seen streaming"
        time.sleep(0.05)
    expect(page.get_by_test_id(f"agent-card-{until_working}")).to_be_attached(timeout=30_000)


def shown_fingerprints(page: Page) -> dict[str, str]:
    """Each complete message's agent and the SHA-256 of exactly the text the page shows for it."""
    messages = page.locator("[data-testid=message][data-complete=true]")
    return {m.get_attribute("data-agent"): m.get_attribute("data-sha256") for m in messages.all()}


def fingerprints(artifacts: dict[str, str]) -> dict[str, str]:
    return {agent: hashlib.sha256(text.encode()).hexdigest() for agent, text in artifacts.items()}


_SHOWN_LENGTHS = """() => [...document.querySelectorAll('[data-testid=message]')].map(m => [m.dataset.agent,
    Number(m.querySelector('[data-testid=message-body]')?.dataset.length ?? m.dataset.length ?? 0)])"""


def assert_never_ahead_of_the_log(page: Page, server, run_id: str, samples: int = 10) -> None:
    """While a run streams, the page never shows more of an answer than the log holds: nothing is doubled."""
    for _ in range(samples):
        shown = page.evaluate(_SHOWN_LENGTHS)
        stored: dict[str, int] = {}
        latest: dict[str, str] = {}
        for event in server.events(run_id):  # read after the page, so the log can only be further along
            if event["type"] == "TEXT_MESSAGE_START":
                agent = event["messageId"].split(":")[1]
                latest[agent], stored[agent] = event["messageId"], 0
            elif event["type"] == "TEXT_MESSAGE_CONTENT":
                stored[event["messageId"].split(":")[1]] += len(event["delta"])
        for agent, length in shown:
            assert length <= stored.get(agent, 0), f"{agent}: page shows {length} characters, log holds {stored}"
        page.wait_for_timeout(150)


def create_api_token(page: Page, base_url: str, label: str = "test") -> str:
    """Create an API token on the Account page as the page's user, and read it from the dialog that shows it once."""
    page.goto(f"{base_url}/account")
    page.get_by_test_id("token-label").fill(label)
    page.get_by_test_id("create-token").click()
    token = page.get_by_test_id("new-token").input_value()
    page.get_by_test_id("token-done").click()
    expect(page.get_by_test_id("token-row").filter(has_text=label)).to_have_count(1)
    return token


def logged_view(server, run_id: str):
    """The run's view as the log alone folds it (core.domain.fold), from the server's stored events."""
    import json

    from core.domain.events import StoredEvent, parse_event
    from core.domain.fold import fold

    return fold(run_id, [StoredEvent(run_id=run_id, seq=n, event=parse_event(json.dumps(e)))
                         for n, e in enumerate(server.events(run_id), 1)])


def logged_terminal_text(server, run_id: str) -> str:
    """What the run's terminal must show, computed from the log alone (core.domain.terminal)."""
    from core.domain.terminal import terminal_text

    return terminal_text(logged_view(server, run_id))


def shown_terminal_text(page: Page, chars: int) -> str:
    """Everything the page wrote into its terminal, once it wrote `chars` characters."""
    terminal = page.get_by_test_id("terminal")
    expect(terminal).to_have_attribute("data-chars", str(chars), timeout=60_000)
    return terminal.evaluate("element => element.botarmyTerminal.text()")


def terminal_screen(page: Page) -> str:
    """The terminal as xterm.js renders it: every line of its buffer, scrollback included."""
    return page.get_by_test_id("terminal").evaluate("""element => {
        const buffer = element.botarmyTerminal.terminal.buffer.active;
        const lines = [];
        for (let i = 0; i < buffer.length; i++) lines.push(buffer.getLine(i).translateToString(true));
        return lines.join('\\n');
    }""")


def sha256(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()
