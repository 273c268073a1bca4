"""The run history in a real browser: search, status filter, pages, rename, and delete that leaves nothing behind."""

import time

import pytest
from playwright.sync_api import Page, expect

from tests.support.server import UNPACED, start_server

MARKER = "Quokka-lantern-5521"


@pytest.fixture
def busy_server(tmp_path):
    # 28 runs started at once by one user: above the default limits of starts per minute and runs at once.
    with start_server(tmp_path / "data", {**UNPACED, "BOTARMY_STARTS_PER_MINUTE": "60",
                                          "BOTARMY_MAX_RUNS_PER_USER": "30"}) as server:
        yield server


def api(page: Page, method: str, path: str, body: dict | None = None) -> tuple[int, dict | None]:
    """The REST API as the page's user: the browser's session cookie, sent from the page's own origin."""
    origin = page.url.split("/", 3)[:3]
    response = page.request.fetch("/".join(origin) + path, method=method, data=body,
                                  headers={"Origin": "/".join(origin)})
    return response.status, response.json() if response.body() else None


def test_history_searches_filters_pages_renames_and_deletes(busy_server, pages):
    server = busy_server
    page = pages(f"{server.url}/runs")
    # 27 runs that stop at the Analyst's checkpoint, and one that goes to the end.
    for number in range(27):
        assert api(page, "POST", "/api/runs", {"brief": f"A bike rack census, district {number}.",
                                               "approvals": "analyst"})[0] == 201
    _, created = api(page, "POST", "/api/runs", {"brief": f"A {MARKER} sauna booking page.", "approvals": "none"})
    doomed = created["run_id"]
    for _ in range(300):  # the 27 checkpoints are reached in the background, three runs at a time
        if api(page, "GET", "/api/runs?status=waiting_approval")[1]["total"] == 27:
            break
        time.sleep(0.1)
    page.reload()
    expect(page.get_by_test_id("run-count")).to_have_attribute("data-total", "28")
    expect(page.get_by_test_id("run-row")).to_have_count(25)
    page.get_by_test_id("history-pagination").get_by_role("button", name="2", exact=True).click()
    expect(page.get_by_test_id("run-row")).to_have_count(3)
    expect(page.get_by_test_id("run-count")).to_contain_text("26–28 of 28 runs")

    page.get_by_test_id("run-search").fill(MARKER.lower())
    expect(page.get_by_test_id("run-row")).to_have_count(1)
    page.get_by_test_id("run-search").fill("")
    expect(page.get_by_test_id("run-row")).to_have_count(25)

    page.get_by_test_id("status-filter").click()
    page.get_by_role("option", name="Waiting for approval").click()
    expect(page.get_by_test_id("run-count")).to_have_attribute("data-total", "27", timeout=30_000)

    page.get_by_test_id("status-filter").click()
    page.get_by_role("option", name="All statuses").click()
    expect(page.get_by_test_id("run-count")).to_have_attribute("data-total", "28")
    page.get_by_test_id("run-search").fill(MARKER)
    row = page.get_by_test_id("run-row")
    expect(row).to_have_count(1)
    expect(row).to_have_attribute("data-run-id", doomed)
    row.get_by_test_id("rename-run").click()
    page.get_by_test_id("rename-input").fill("Sauna bookings")
    page.get_by_test_id("rename-save").click()
    expect(row.get_by_test_id("run-link")).to_have_text("Sauna bookings")
    assert api(page, "GET", "/api/runs?q=sauna%20bookings")[1]["total"] == 1

    row.get_by_test_id("delete-run").click()
    page.get_by_test_id("cancel-delete").click()
    expect(row).to_have_count(1)
    row.get_by_test_id("delete-run").click()
    page.get_by_test_id("confirm-delete").click()
    expect(page.get_by_test_id("run-row")).to_have_count(0)
    expect(page.get_by_test_id("run-count")).to_have_text("No runs match.")
    assert api(page, "GET", f"/api/runs/{doomed}")[0] == 404
    assert api(page, "GET", "/api/runs")[1]["total"] == 27
    for path in server.data_dir.rglob("*"):  # the database, its WAL files and the logs
        if path.is_file():
            assert MARKER.encode() not in path.read_bytes(), f"{path.name} still holds the deleted run"
    gone = pages(f"{server.url}/runs/{doomed}")
    expect(gone.get_by_test_id("run-not-found")).to_be_visible()
