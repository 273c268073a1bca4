"""A project's revisions in a real browser: a change request typed on the run page of a completed demo run is
revision 2, whose diff touches only some files and whose tests pass; a second tab shows the same revisions; Restore
of revision 1 brings its files back byte for byte as revision 3. A zip of existing code chosen on the dashboard
starts revision 1 from it; a hostile one is refused with a sentence before anything starts."""

import pytest
from playwright.sync_api import expect

from tests.support.revisions import digests, git, unpacked
from tests.support.server import start_server
from tests.support.zips import PROJECT, zip_of

pytestmark = pytest.mark.sandbox


@pytest.fixture
def fast_server(tmp_path):
    with start_server(tmp_path / "data", {"BOTARMY_DEMO_TOKEN_DELAY_MS": "0"}) as server:
        yield server


def revision(page, number: int):
    return page.locator(f"[data-testid=revision-item][data-revision='{number}']")


def test_a_change_request_a_second_tab_and_a_restore(fast_server, pages, tmp_path):
    page = pages(fast_server.url)
    page.get_by_test_id("brief-input").fill("A reading list for a book club.")
    page.get_by_test_id("start-run").click()
    page.wait_for_url("**/runs/*")
    run_id = page.url.rsplit("/", 1)[-1]
    expect(page.get_by_test_id("run-status")).to_have_attribute("data-status", "completed", timeout=120_000)
    expect(revision(page, 1)).to_have_attribute("data-status", "completed")
    first_files = page.get_by_test_id("diff-file").count()

    page.get_by_test_id("follow-up-input").fill("add a --pretty flag")
    page.get_by_test_id("send-follow-up").click()
    expect(revision(page, 2)).to_have_attribute("data-status", "completed", timeout=180_000)
    expect(page.get_by_test_id("verify-status")).to_have_attribute("data-status", "passed")
    expect(page.locator("[data-testid=diff-file][data-path='tests/test_pretty_flag.py']")).to_have_attribute(
        "data-change", "added")
    assert 1 < page.get_by_test_id("diff-file").count() < first_files
    expect(revision(page, 2).get_by_test_id("revision-summary")).to_contain_text("developer")
    expect(revision(page, 2).get_by_test_id("revision-summary")).to_contain_text("$")  # what its calls cost
    expect(page.get_by_test_id("agent-card-developer").get_by_test_id("agent-context")).to_contain_text(
        "of 12,000 tokens")

    other = pages(f"{fast_server.url}/runs/{run_id}")
    expect(other.get_by_test_id("revision-item")).to_have_count(2)
    expect(revision(other, 2).get_by_test_id("revision-request")).to_contain_text("add a --pretty flag")

    revision(page, 1).get_by_test_id("restore-revision").click()
    expect(revision(page, 3)).to_have_attribute("data-status", "completed", timeout=180_000)
    expect(revision(other, 3)).to_have_attribute("data-status", "completed", timeout=30_000)
    zips = {number: page.request.get(f"{fast_server.url}/api/runs/{run_id}/zip?revision={number}").body()
            for number in (1, 3)}
    one, three = (unpacked(data, tmp_path / str(number)) for number, data in zips.items())
    assert digests(one) == digests(three)
    assert git(three, "tag").split() == ["revision-1", "revision-2", "revision-3"]
    assert "restore" in git(three, "log", "--format=%an").split("\n")[0].lower()


def test_a_project_imported_on_the_dashboard_is_revision_1_and_a_hostile_zip_is_a_sentence(fast_server, pages,
                                                                                           tmp_path):
    page = pages(fast_server.url)
    chooser = page.get_by_test_id("import-project").locator("input[type=file]")
    hostile = tmp_path / "hostile.zip"
    hostile.write_bytes(zip_of({"ok.py": "x = 1\n", "../../etc/passwd": "owned\n"}))
    chooser.set_input_files(str(hostile))
    expect(page.get_by_test_id("brief-error")).to_have_text(
        "The zip holds a path that leads outside the project (../../etc/passwd); nothing was imported.")

    project = tmp_path / "calc.zip"
    project.write_bytes(zip_of(PROJECT))
    page.reload()
    page.get_by_test_id("import-project").locator("input[type=file]").set_input_files(str(project))
    expect(page.get_by_test_id("import-summary")).to_contain_text("calc.zip: 6 files to start from")
    page.get_by_test_id("brief-input").fill("add a --pretty flag")
    page.get_by_test_id("start-run").click()
    page.wait_for_url("**/runs/*")
    expect(page.get_by_test_id("run-status")).to_have_attribute("data-status", "completed", timeout=180_000)
    expect(page.get_by_test_id("verify-status")).to_have_attribute("data-status", "passed")
    expect(revision(page, 1).get_by_test_id("revision-request")).to_have_text("Imported: add a --pretty flag")
    expect(revision(page, 1).get_by_test_id("revision-summary")).to_contain_text("import")
    expect(page.get_by_test_id("import-note").filter(has_text=".env")).to_have_count(1)
