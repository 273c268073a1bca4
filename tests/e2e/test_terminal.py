"""The run's terminal in real Chromium: the project's tests run after the Tester and pass, typed commands run live
in the run's sandboxed workspace, Stop and Ctrl-C end a command at once, and every tab, reload included, shows
exactly the text the run's log holds."""

import time

from playwright.sync_api import expect

from tests.support.browser import (
    logged_terminal_text,
    sha256,
    shown_terminal_text,
    start_run,
    terminal_screen,
)
from tests.support.server import UNPACED, start_server


def run_id_of(page) -> str:
    return page.url.rsplit("/", 1)[-1]


def command_ids(server, run_id: str) -> list[str]:
    return [e["value"]["command_id"] for e in server.events(run_id) if e.get("name") == "command_requested"]


def type_command(page, server, command: str) -> None:
    """Type the command and press Enter; return once the page's status is about this command."""
    run_id = run_id_of(page)
    before = command_ids(server, run_id)
    field = page.get_by_test_id("command-input")
    field.fill(command)
    field.press("Enter")
    expect(field).to_have_value("")  # taken: the field is cleared for the next command
    new = command_ids(server, run_id)[len(before):]
    assert len(new) == 1
    expect(page.get_by_test_id("command-status")).to_have_attribute("data-command-id", new[0])


def latest_command_events(server, run_id: str) -> dict[str, dict]:
    """The latest command's CUSTOM events, by kind."""
    commands = [e for e in server.events(run_id) if e["type"] == "CUSTOM" and e["name"].startswith("command_")]
    latest = commands[-1]["value"]["command_id"]
    return {e["name"]: e for e in commands if e["value"]["command_id"] == latest}


def test_tests_pass_in_the_terminal_commands_run_live_stop_ends_them_and_a_reload_shows_the_same_bytes(
        fast_server, pages):
    server = fast_server  # every check is on the finished run, or on the user's own commands
    page = pages(server.url)
    start_run(page, "A tool library for a neighbourhood.", until_working=None)
    expect(page.get_by_test_id("run-status")).to_have_attribute("data-status", "completed", timeout=120_000)
    verdict = page.get_by_test_id("verify-status")
    expect(verdict).to_have_attribute("data-status", "passed")
    expect(verdict).to_have_attribute("data-passed", "10")
    expect(verdict).to_have_attribute("data-failed", "0")
    expect(page.get_by_test_id("verify-badge")).to_have_attribute("data-status", "passed")
    terminal, status = page.get_by_test_id("terminal"), page.get_by_test_id("command-status")
    expect(status).to_have_attribute("data-status", "passed")
    expect(status).to_have_attribute("data-exit-code", "0")
    run_id = run_id_of(page)
    assert "10 passed" in shown_terminal_text(page, len(logged_terminal_text(server, run_id)))

    # The user's own command, in the same workspace.
    type_command(page, server, "pytest -q")
    expect(status).to_have_attribute("data-status", "passed", timeout=60_000)
    expect(page.get_by_test_id("run-command")).to_be_enabled()
    shown = shown_terminal_text(page, len(logged_terminal_text(server, run_id)))
    assert shown.count("10 passed") == 2 and "$\x1b[0m \x1b[1mpytest -q" in shown

    # An endless printer streams while it runs; Stop ends it at once.
    type_command(page, server, 'python -c "while True: print(1)"')
    expect(status).to_have_attribute("data-status", "running")
    lines_before = int(terminal.get_attribute("data-lines"))
    expect(terminal).not_to_have_attribute("data-lines", str(lines_before), timeout=30_000)  # live, not at the end
    expect(page.get_by_test_id("run-command")).to_be_disabled()
    page.get_by_test_id("stop-command").click()
    expect(status).to_have_attribute("data-status", "interrupted", timeout=10_000)
    expect(status).to_have_attribute("data-exit-code", "130")
    ended = latest_command_events(server, run_id)
    took_ms = ended["command_ended"]["timestamp"] - ended["command_interrupt_requested"]["timestamp"]
    assert took_ms < 1000, f"the command took {took_ms} ms to end after Stop"

    # Ctrl-C in the terminal does the same, and ↑ brings back earlier commands.
    type_command(page, server, "sleep 60")
    expect(status).to_have_attribute("data-status", "running")
    terminal.click()
    page.keyboard.press("Control+C")
    expect(status).to_have_attribute("data-status", "interrupted", timeout=10_000)
    field = page.get_by_test_id("command-input")
    field.click()
    field.press("ArrowUp")
    expect(field).to_have_value("sleep 60")
    field.press("ArrowUp")
    expect(field).to_have_value('python -c "while True: print(1)"')

    # The page shows exactly what the log holds, before and after a reload, in every tab.
    logged = logged_terminal_text(server, run_id)
    assert sha256(shown_terminal_text(page, len(logged))) == sha256(logged)
    screen = terminal_screen(page)
    page.reload()
    assert sha256(shown_terminal_text(page, len(logged))) == sha256(logged)
    assert terminal_screen(page) == screen
    other = pages(page.url)
    assert sha256(shown_terminal_text(other, len(logged))) == sha256(logged)
    assert int(other.get_by_test_id("terminal").get_attribute("data-lines")) == logged.count("\n")


def test_failing_tests_go_back_to_the_developer_who_fixes_them(tmp_path, pages):
    # Unpaced: every check is on the finished run.
    with start_server(tmp_path / "data", {**UNPACED, "BOTARMY_DEMO_FAULTS": "buggy=1"}) as server:
        page = pages(server.url)
        start_run(page, "A reading list for a book club.", until_working=None)
        expect(page.get_by_test_id("run-status")).to_have_attribute("data-status", "completed", timeout=120_000)
        note = page.get_by_test_id("fix-request")
        expect(note).to_have_count(1)
        expect(note).to_contain_text("1 of 10 tests failed.")
        expect(note).to_contain_text("test_search_ignores_case")
        agents = [m.get_attribute("data-agent") for m in page.get_by_test_id("message").all()]
        assert agents == ["analyst", "architect", "developer", "tester", "developer", "deployer"]
        verdict = page.get_by_test_id("verify-status")
        expect(verdict).to_have_attribute("data-status", "passed")
        expect(page.get_by_test_id("verify-counts")).to_contain_text("after 1 fix")
        logged = logged_terminal_text(server, run_id_of(page))
        shown = shown_terminal_text(page, len(logged))
        assert shown.index("1 failed") < shown.index("10 passed")
        page.get_by_test_id("nav-history").click()
        expect(page.get_by_test_id("run-row-verdict")).to_have_attribute("data-status", "passed")


def streamed_chars(page) -> int:
    """Characters of answers the page shows, streaming ones included."""
    return page.evaluate("""() => [...document.querySelectorAll('[data-testid=message]')].reduce((sum, m) =>
        sum + Number(m.querySelector('[data-testid=message-body]')?.dataset.length ?? m.dataset.length ?? 0), 0)""")


def test_a_flood_in_one_tab_is_cut_and_stopped_while_a_run_in_another_tab_keeps_streaming(tmp_path, pages):
    with start_server(tmp_path / "data", {"BOTARMY_DEMO_TOKEN_DELAY_MS": "10", "BOTARMY_COMMAND_LOG_MB": "8",
                                          "BOTARMY_COMMAND_OUTPUT_KB": "256"}) as server:
        flooding = pages(server.url)
        # A run of the browser's own user, waiting for approval: its workspace takes the flood.
        request, origin = flooding.context.request, {"Origin": server.url}
        held = request.post(f"{server.url}/api/runs", headers=origin,
                            data={"brief": "A berth list for a harbour.", "approvals": "analyst"}).json()
        # The other tab's run starts while the held one's Analyst answers: it streams on long after the flood.
        streaming = pages(server.url)
        start_run(streaming, "A tide table for a small harbour.", until_working="analyst", log=server)
        while request.get(f"{server.url}/api/runs/{held['run_id']}").json()["status"] == "running":
            time.sleep(0.2)
        flooding.goto(f"{server.url}/runs/{held['run_id']}")
        type_command(flooding, server, "yes 'a flood of text' | head -c 100000000")
        samples = []  # the other tab's answers, every 250 ms while the flood prints and reaches its own tab
        for _ in range(16):
            samples.append(streamed_chars(streaming))
            streaming.wait_for_timeout(250)
        stalls = [len(flat) for flat in "".join("=" if b == a else "+" for a, b in zip(samples, samples[1:])
                                                ).split("+")]
        assert samples[-1] > samples[0] and max(stalls) < 12, f"the other tab stalled: {samples}"
        status = flooding.get_by_test_id("command-status")
        expect(status).to_have_attribute("data-status", "failed")
        expect(status).to_contain_text("it printed more than the output limit of 8 MB")
        logged = logged_terminal_text(server, held["run_id"])
        shown = shown_terminal_text(flooding, len(logged))
        assert "[The output is cut here: the run keeps only its beginning." in shown
        log = flooding.get_by_test_id("command-log")
        assert log.get_attribute("href").endswith("/log")
        expect(streaming.get_by_test_id("run-status")).to_have_attribute("data-status", "completed",
                                                                           timeout=120_000)
