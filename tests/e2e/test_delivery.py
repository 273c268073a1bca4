"""Delivery guarantees in a real browser: offline spells, many tabs, closed tabs and a killed server."""

import signal

import pytest
from playwright.sync_api import expect

from tests.support.browser import (
    assert_never_ahead_of_the_log,
    assert_same_text,
    fingerprints,
    shown_fingerprints,
    start_run,
    transcript_text,
)
from tests.support.server import UNPACED, start_server

AGENTS = ["analyst", "architect", "developer", "tester", "deployer"]



def run_id_of(page) -> str:
    return page.url.rsplit("/", 1)[-1]


def expect_completed_exactly(page, server) -> None:
    expect(page.get_by_test_id("run-status")).to_have_attribute("data-status", "completed", timeout=90_000)
    expect(page.locator("[data-testid=message][data-complete=true]")).to_have_count(5)
    assert shown_fingerprints(page) == fingerprints(server.artifacts(run_id_of(page)))
    expect(page.get_by_test_id("error-notice")).to_have_count(0)


# 5 s stays within NiceGUI's reconnect window (its message replay serves); 15 s outlasts it, so the page is
# rebuilt from the event log.
@pytest.mark.parametrize("seconds", [5, 15])
def test_offline_mid_stream_then_the_page_converges_to_the_stored_run(server, pages, seconds):
    page = pages(server.url)
    start_run(page, "A rota for a cycling club's Sunday rides.", until_working="architect", log=server)
    page.context.set_offline(True)
    expect(page.get_by_test_id("connection-status")).to_have_attribute("data-state", "offline", timeout=1_000)
    page.wait_for_timeout(seconds * 1000)
    page.context.set_offline(False)
    expect(page.get_by_test_id("connection-status")).to_have_attribute("data-state", "connected", timeout=15_000)
    expect_completed_exactly(page, server)
    assert [m.get_attribute("data-agent") for m in page.get_by_test_id("message").all()] == AGENTS


def test_three_tabs_and_a_reload_mid_stream_end_identical(server, pages):
    first = pages(server.url)
    start_run(first, "A seed-swap catalogue for a village library.", until_working="analyst", log=server)
    others = [pages(first.url) for _ in range(2)]
    for page in (first, *others):
        assert_never_ahead_of_the_log(page, server, run_id_of(first), samples=3)
    others[0].reload()
    assert_never_ahead_of_the_log(others[0], server, run_id_of(first), samples=3)
    for page in (first, *others):
        expect_completed_exactly(page, server)
    assert_same_text([transcript_text(page) for page in (first, *others)])


def test_closing_every_tab_does_not_stop_the_run(server, pages):
    page = pages(server.url)
    start_run(page, "A lending shelf for board games at a pub.", until_working="analyst", log=server)
    url = page.url
    page.close()
    again = pages(url)
    expect_completed_exactly(again, server)


@pytest.mark.own_server
def test_kill_9_mid_run_then_restart_shows_interrupted_and_resume_completes_it(server, pages):
    page = pages(server.url)
    start_run(page, "A booking sheet for a shared community kitchen.", until_working="developer", log=server)
    run_id = run_id_of(page)
    before = server.artifacts(run_id)
    assert sorted(before) == ["analyst", "architect"]
    server.stop(signal.SIGKILL)

    # Unpaced: what is checked mid-run is the killed server's; the restarted one only has to finish the run.
    with start_server(server.data_dir, UNPACED, port=server.port) as restarted:
        again = pages(f"{restarted.url}/runs/{run_id}")
        expect(again.get_by_test_id("run-status")).to_have_attribute("data-status", "interrupted")
        expect(again.get_by_test_id("agent-card-developer")).to_have_attribute("data-status", "failed")
        expect(again.locator("[data-testid=message]")).to_have_count(2)  # the developer's fragment is gone
        again.get_by_test_id("resume-run").click()
        expect_completed_exactly(again, restarted)
        after = restarted.artifacts(run_id)
        assert {agent: after[agent] for agent in before} == before, "finished agents' texts are unchanged"
        assert [m.get_attribute("data-agent") for m in again.get_by_test_id("message").all()] == AGENTS
