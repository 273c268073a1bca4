"""BotArmy's own components in real Chromium, on what crosses the socket: a streamed answer sent again as a whole
shows its text once, and a flush's calls leave as one message and are made in order, each on its own."""

import json
import re
import subprocess
import sys
import time
import urllib.request

import pytest
from playwright.sync_api import Page, expect

from tests.support.axe import assert_accessible
from tests.support.server import ROOT, free_port, server_env


@pytest.fixture(scope="module")
def app_url(tmp_path_factory):
    port = free_port()
    log = tmp_path_factory.mktemp("component-app") / "app.log"
    with open(log, "wb") as output:
        process = subprocess.Popen([sys.executable, "-m", "tests.support.component_app", str(port)], cwd=ROOT,
                                   env=server_env(), stdout=output, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 120  # a loaded machine (other test workers) starts it in tens of seconds
    try:
        while True:
            try:
                urllib.request.urlopen(f"{url}/calls", timeout=1).close()
                break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"the component app did not start:\n{log.read_text()}") from None
                time.sleep(0.1)
        yield url
    finally:
        process.terminate()
        process.wait(timeout=10)


def open_connected(pages, url: str, **profile) -> Page:
    page = pages(url, **profile)
    page.wait_for_function("window.socket?.connected === true")
    return page


def shown_paragraphs(page: Page) -> list[str]:
    return page.get_by_test_id("message-body").locator("p").all_inner_texts()


def test_a_streamed_answer_sent_again_shows_its_text_once_and_later_appends_neither_doubled_nor_lost(app_url, pages):
    """The live value beside it, sent again too, shows its latest value."""
    page = open_connected(pages, f"{app_url}/streaming")
    body = page.get_by_test_id("message-body")
    expected = ["Paragraph 1."]
    for action, added in [("grow", 1), ("resend", 0), ("grow", 1), ("remount", 0), ("grow", 1), ("race", 3),
                          ("race remounted", 3), ("resend", 0), ("grow", 1)]:
        page.get_by_role("button", name=action, exact=True).click()
        expected += [f"Paragraph {number}." for number in range(len(expected) + 1, len(expected) + 1 + added)]
        text = "".join(f"{line}\n\n" for line in expected)
        expect(body).to_have_attribute("data-length", str(len(text)))
        assert shown_paragraphs(page) == expected, action
        expect(page.get_by_test_id("counter")).to_have_text(f"{len(expected)} paragraphs")


def test_the_calls_of_one_flush_leave_as_one_message_and_each_is_made_in_order_on_its_own(app_url, pages):
    page = pages("about:blank")
    messages: list[str] = []  # the run_javascript messages the page received, as Socket.IO frames
    page.on("websocket", lambda socket: socket.on(
        "framereceived", lambda frame: messages.append(frame) if '"run_javascript"' in str(frame) else None))
    errors: list[str] = []
    page.on("console", lambda entry: errors.append(entry.text) if entry.type == "error" else None)
    page.goto(f"{app_url}/calls")
    page.wait_for_function("window.socket?.connected === true")
    before = len(messages)

    page.get_by_role("button", name="flush").click()
    page.get_by_role("button", name="single").click()  # a message of its own, after the flush's
    page.wait_for_function("window.notes?.length === 5")

    assert page.evaluate("window.notes") == [["first", 1], ["second", 2], ["second", 3], ["first", 4],
                                             ["second", "single"]]
    assert any("probe failure" in error for error in errors), errors
    received = messages[before:]
    assert len(received) == 2, received
    code = json.loads(received[0][received[0].index("["):])[1]["code"]
    [gathered] = json.loads(code[code.index("["):-1])
    assert [method for _, method, _ in gathered] == ["note", "note", "fail", "note", "note"]


def test_finished_blocks_keep_their_nodes_as_tokens_stream_and_the_answer_ends_and_off_screen_answers_are_not_laid_out(
        app_url, pages):
    page = open_connected(pages, f"{app_url}/transcript")
    streaming = page.locator("[data-testid=message][data-agent=developer] [data-testid=message-body]")
    expect(streaming.locator("h1")).to_have_text("Streaming")
    finished = page.locator("[data-testid=message][data-complete=true]")
    expect(finished).to_have_count(3)
    # The finished answers' code, highlighted once they were shown, and the first answer's first block, kept.
    expect(finished.first.locator(".codehilite code .k").first).to_have_text("def")
    page.evaluate("""() => {
        const heading = document.querySelector('[data-agent=developer] [data-testid=message-body] h1');
        const code = document.querySelector('[data-testid=message] .codehilite code');
        window.kept = {heading, code, codeHtml: code.innerHTML};
    }""")

    page.get_by_role("button", name="100 tokens").click()
    expect(streaming).to_contain_text("token99")
    page.get_by_role("button", name="complete").click()
    expect(streaming).to_contain_text("The end.")
    expect(page.locator("[data-testid=message][data-agent=developer]")).to_have_attribute("data-complete", "true")

    assert page.evaluate("""() => {
        const heading = document.querySelector('[data-agent=developer] [data-testid=message-body] h1');
        const code = document.querySelector('[data-testid=message] .codehilite code');
        return heading === window.kept.heading && heading.isConnected
            && code === window.kept.code && code.innerHTML === window.kept.codeHtml;
    }"""), "a finished block was rendered again"
    # The transcript follows its end: the first answer is scrolled out of view, and the browser skips its content.
    visible = "message => message.lastElementChild.checkVisibility({contentVisibilityAuto: true})"
    page.wait_for_function("""() => {
        const box = document.querySelector('.transcript-scroll');
        return box.scrollTop > 0 && box.scrollHeight - box.scrollTop - box.clientHeight < 50;
    }""")
    assert finished.first.evaluate(visible) is False, "an answer out of view is laid out"
    assert page.locator("[data-testid=message][data-agent=developer]").evaluate(visible) is True


def test_code_streaming_in_an_open_fence_grows_one_text_node_and_is_highlighted_once_it_closes(app_url, pages):
    hostile = ['<img src=x onerror="window.owned = 1">', "</div><script>window.owned = 2</script>",
               "{{ window.owned = 3 }}", "<b>bold?</b>"]  # tests/support/component_app.py's, but the fence's end
    expected = [hostile[n % len(hostile)] if n % 7 == 3 else f"def f{n}(): return {n}" for n in range(60)]
    page = open_connected(pages, f"{app_url}/code")
    body = page.locator("[data-testid=message] [data-testid=message-body]")
    expect(body.locator("p")).to_have_text("Here is the code:")
    page.get_by_role("button", name="lines").click()
    code = body.locator(".codehilite pre code.language-python")
    expect(code).to_contain_text("def f1(): return 1")
    page.evaluate("window.kept = document.querySelector('[data-testid=message-body] pre code').firstChild")
    expect(code).to_contain_text("def f58(): return 58\n" + expected[-1] + "\n")
    assert page.evaluate("""() => {
        const code = document.querySelector('[data-testid=message-body] pre code');
        return code.childNodes.length === 1 && code.firstChild === window.kept;
    }"""), "the open code block was rendered again"
    assert code.text_content().splitlines() == expected, "the code shows as the text it is"
    page.get_by_role("button", name="complete").click()
    expect(body.locator("p").last).to_have_text("After the code.")
    expect(code.locator(".k").first).to_have_text("def")  # finished: highlighted
    assert code.text_content().splitlines() == expected
    assert page.evaluate("() => window.owned") is None


def test_a_diff_shows_hostile_lines_as_text_coloured_by_kind_cut_at_its_limit_and_accessible_in_both_schemes(
        app_url, pages):
    page = open_connected(pages, f"{app_url}/diff", user="axe", bypass_csp=True)
    files = page.get_by_test_id("diff-file")
    expect(files).to_have_count(4)
    assert [(files.nth(n).get_attribute("data-path"), files.nth(n).get_attribute("data-change"))
            for n in range(4)] == [("app.py", "modified"), ("big.py", "added"), ("gone.txt", "deleted"),
                                   ("min.js", "added")]
    app = page.locator("[data-testid=diff-file][data-path='app.py']")
    added = app.locator(".diff-added")
    assert added.all_text_contents() == [  # tests/support/component_app.py's HOSTILE_LINES, as text
        '+    # <img src=x onerror="window.owned = 1">', "+    # </div><script>window.owned = 2</script>",
        "+    # {{ window.owned = 3 }}", "+    # ```", "+    # <b>bold?</b>", "+    return 2"]
    expect(app.locator(".diff-removed")).to_have_text(["-    return 1"])
    expect(app.locator(".diff-hunk")).to_have_text(["@@ -1,2 +1,7 @@"])
    assert page.evaluate("() => window.owned") is None
    expect(page.get_by_test_id("diff-view").locator("img, script, b")).to_have_count(0)

    big = page.locator("[data-testid=diff-file][data-path='big.py']")
    expect(big.locator(".diff-added")).to_have_count(2_000 - 5)  # the other lines shown: its header and hunk
    expect(big.get_by_test_id("diff-cut")).to_contain_text("This file's diff has 2,505 lines; the page shows the "
                                                           "first 2,000.")
    expect(big.get_by_role("link", name="Download the whole diff")).to_have_attribute("href", "/diff.txt")
    expect(page.locator("[data-testid=diff-file][data-path='gone.txt'] .diff-removed")).to_have_text(["-old"])
    minified = page.locator("[data-testid=diff-file][data-path='min.js']")
    expect(minified.locator(".diff-added")).to_have_text(["+" + "x" * 999 + " …"])
    expect(minified.get_by_test_id("diff-cut")).to_contain_text(
        "Lines longer than 1,000 characters are cut short (…) here.")

    assert_accessible(page, "a diff, light")
    page.get_by_role("button", name="dark").click()
    expect(page.locator("body")).to_have_class(re.compile("body--dark"))
    assert_accessible(page, "a diff, dark")


def test_the_lines_of_a_file_diff_out_of_view_are_not_laid_out_until_it_comes_into_view(app_url, pages):
    page = open_connected(pages, f"{app_url}/diff")
    expect(page.get_by_test_id("diff-file")).to_have_count(4)
    laid_out = """path => document.querySelector(`[data-testid=diff-file][data-path='${path}'] .diff-line`)
        .checkVisibility({contentVisibilityAuto: true})"""
    assert page.evaluate(laid_out, "app.py") is True
    # min.js comes after big.py's 2,000 lines, far below the window.
    assert page.evaluate(laid_out, "min.js") is False, "a file's diff out of view is laid out"
    page.locator("[data-testid=diff-file][data-path='min.js']").scroll_into_view_if_needed()
    page.wait_for_function(f"({laid_out})('min.js')")


def test_a_later_commit_makes_again_only_the_files_whose_diff_changed(app_url, pages):
    page = open_connected(pages, f"{app_url}/diff")
    files = page.get_by_test_id("diff-file")
    expect(files).to_have_count(4)
    before = {path: page.locator(f"[data-testid=diff-file][data-path='{path}']").element_handle()
              for path in ("app.py", "big.py", "gone.txt", "min.js")}

    page.get_by_role("button", name="commit").click()

    expect(files).to_have_count(5)
    assert [files.nth(n).get_attribute("data-path") for n in range(5)] == [
        "app.py", "big.py", "cli.py", "gone.txt", "min.js"]
    expect(page.locator("[data-testid=diff-file][data-path='app.py'] .diff-added")).to_have_text(["+    return 3"])
    connected = {path: handle.evaluate("node => node.isConnected") for path, handle in before.items()}
    assert connected == {"app.py": False, "big.py": True, "gone.txt": True, "min.js": True}
