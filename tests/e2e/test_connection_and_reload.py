"""The connection indicator tells the truth, a reload mid-run comes back to exactly the same run, and a stop
interrupts runs cleanly."""

import json
import re
import sqlite3

import pytest
from playwright.sync_api import expect

from tests.support.browser import assert_same_text, start_run, transcript_text
from tests.support.server import start_server


def test_indicator_goes_offline_and_back_and_start_is_blocked_while_offline(server, pages):
    page = pages(server.url)
    indicator, start = page.get_by_test_id("connection-status"), page.get_by_test_id("start-run")
    expect(indicator).to_have_attribute("data-state", "connected")
    page.get_by_test_id("brief-input").fill("An inventory tracker for a school's sports equipment.")
    expect(start).to_be_enabled()

    page.context.set_offline(True)
    expect(indicator).to_have_attribute("data-state", "offline", timeout=2_000)
    expect(indicator).to_contain_text("Offline")
    expect(start).to_be_disabled()

    page.context.set_offline(False)
    expect(indicator).to_have_attribute("data-state", "connected", timeout=10_000)
    expect(start).to_be_enabled()


def test_a_network_blip_resumes_the_page_where_it_was_without_reloading_it(server, pages):
    """Offline for less than socket.io's first reconnect attempt, on a page that received a whole run: the page
    reconnects at once and the server resumes it from the last message it got (a stale resume point made NiceGUI
    reload the page, 3 blips in 5)."""
    page = pages(server.url)
    start_run(page, "A lost-and-found register for a swimming pool.", until_working=None)
    expect(page.get_by_test_id("run-status")).to_have_attribute("data-status", "completed", timeout=90_000)
    indicator = page.get_by_test_id("connection-status")
    reloads: list[str] = []
    page.on("console", lambda entry: reloads.append(entry.text) if "reloading" in entry.text else None)
    page.evaluate("window.sameDocument = true")
    for _ in range(5):
        page.context.set_offline(True)
        expect(indicator).to_have_attribute("data-state", "offline", timeout=2_000)
        page.context.set_offline(False)
        expect(indicator).to_have_attribute("data-state", "connected", timeout=10_000)
        page.wait_for_timeout(500)  # what a failed resume sends, a reload, comes right after the connection
    assert reloads == []
    assert page.evaluate("window.sameDocument") is True, "the page was loaded again"
    expect(page.locator("[data-testid=message][data-complete=true]")).to_have_count(5)


def test_a_renderer_frame_that_failed_to_load_is_made_again_and_draws_the_diagram_and_the_code(server, pages):
    """A page draws its diagrams and code in a frame of its own (ui/model_content/renderer.html): when that frame's
    load fails (the network away, the server restarting), the page makes it again rather than never drawing them."""
    page = pages(server.url)
    start_run(page, "A rota for a community fridge.", until_working=None)
    expect(page.get_by_test_id("run-status")).to_have_attribute("data-status", "completed", timeout=90_000)
    refused: list[str] = []

    def refuse_once(route) -> None:
        if refused:
            route.continue_()
        else:
            refused.append(route.request.url)
            route.abort("internetdisconnected")

    page.context.route(re.compile(r"/renderer\.html\?"), refuse_once)  # its query names the libraries it loads
    page.reload()
    transcript = page.get_by_test_id("transcript")
    expect(transcript.locator(".mermaid-svg svg")).to_have_count(1)
    expect(transcript.locator(".codehilite code span[class]").first).to_be_attached()
    assert len(refused) == 1
    assert len([frame for frame in page.frames if "/renderer.html?" in frame.url]) == 1


@pytest.mark.own_server
def test_indicator_shows_reconnecting_when_the_server_goes_away(server, pages):
    page = pages(server.url)
    indicator = page.get_by_test_id("connection-status")
    expect(indicator).to_have_attribute("data-state", "connected")
    server.stop()
    expect(indicator).to_have_attribute("data-state", "reconnecting", timeout=5_000)
    expect(indicator).to_contain_text("Reconnecting")


def test_reload_mid_run_shows_the_same_run_and_it_finishes(server, pages):
    page = pages(server.url)
    start_run(page, "A reading log for a book club with monthly votes.", until_working="developer", log=server)
    page.reload()
    expect(page.get_by_test_id("agent-card-analyst")).to_have_attribute("data-status", "done")
    expect(page.get_by_test_id("agent-card-architect")).to_have_attribute("data-status", "done")
    expect(page.get_by_test_id("run-status")).to_have_attribute("data-status", "completed", timeout=90_000)
    expect(page.locator("[data-testid=message][data-complete=true]")).to_have_count(5)

    fresh = pages(page.url)
    expect(fresh.get_by_test_id("run-status")).to_have_attribute("data-status", "completed")
    assert_same_text([transcript_text(fresh), transcript_text(page)])
    expect(page.get_by_test_id("error-notice")).to_have_count(0)


@pytest.mark.own_server
def test_a_graceful_stop_marks_the_run_interrupted_for_every_later_view(server, pages):
    page = pages(server.url)
    start_run(page, "A shared calendar for a community garden.", until_working="architect", log=server)
    server.stop()  # SIGTERM: uvicorn shuts down gracefully, then re-raises the signal
    # The stopping server itself wrote why the run ended, before any restart could.
    with sqlite3.connect(server.data_dir / "botarmy.sqlite3") as db:
        last = db.execute("SELECT type, payload FROM events ORDER BY seq DESC LIMIT 1").fetchone()
    assert last[0] == "RUN_ERROR" and json.loads(last[1])["code"] == "interrupted"

    with start_server(server.data_dir, port=server.port):
        again = pages(page.url)
        expect(again.get_by_test_id("run-status")).to_have_attribute("data-status", "interrupted")
        expect(again.get_by_test_id("agent-card-analyst")).to_have_attribute("data-status", "done")
        expect(again.get_by_test_id("artifact-analyst")).to_be_visible()
        expect(again.get_by_test_id("error-notice").first).to_contain_text("The server stopped")
        expect(again.get_by_test_id("error-notice").first).not_to_contain_text("Traceback")
