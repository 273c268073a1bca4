"""A project's revisions in a real browser: a change request typed on the run page of a completed demo run is
revision 2, whose diff touches only some files and whose tests pass, and whose steps each show their own changes; a
second tab shows the same revisions; Restore of revision 1 brings its files back byte for byte as revision 3; the
history is pushed from the page to a real git server, a wrong token refused with a sentence and leaked nowhere. A zip
of existing code chosen on the dashboard starts revision 1 from it; a hostile one, or one larger than the import
takes, is refused with a sentence before anything starts."""

import json
import os
import re

import pytest
from dulwich.repo import Repo
from playwright.sync_api import expect

from tests.support.git_server import git_http_server
from tests.support.revisions import digests, git, unpacked
from tests.support.zips import PROJECT, zip_of

pytestmark = pytest.mark.sandbox

TOKEN = "ghp_PageT0kenThatMayPush0000000000000000"
WRONG_TOKEN = "ghp_WrongPageT0kenNeverToBeSeen111111111"
MB = 1024 * 1024


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
    items = [revision(page, number).element_handle() for number in (1, 2)]  # as the request made them
    expect(revision(page, 2)).to_have_attribute("data-status", "completed", timeout=180_000)
    # The revision's statuses, calls and commits changed the items in place: they are still the nodes they were.
    assert [item.evaluate("node => node.isConnected") for item in items] == [True, True]
    expect(page.get_by_test_id("verify-status")).to_have_attribute("data-status", "passed")
    expect(page.locator("[data-testid=diff-file][data-path='tests/test_pretty_flag.py']")).to_have_attribute(
        "data-change", "added")
    assert 1 < page.get_by_test_id("diff-file").count() < first_files
    expect(revision(page, 2).get_by_test_id("revision-summary")).to_contain_text("developer")
    expect(revision(page, 2).get_by_test_id("revision-summary")).to_contain_text("$")  # what its calls cost
    expect(page.get_by_test_id("agent-card-developer").get_by_test_id("agent-context")).to_contain_text(
        "of 12,000 tokens")

    # A step of revision 2, chosen by keyboard, shows its own changes: the files of its commit, as REST has them.
    step = revision(page, 2).get_by_test_id("revision-step").filter(has_text="Developer").first
    commit = step.get_attribute("data-commit")
    button = step.get_by_test_id("show-step")
    button.focus()
    page.keyboard.press("Enter")
    expect(button).to_have_attribute("aria-pressed", "true")
    expect(button).to_be_focused()
    expect(page.get_by_test_id("diff-view")).to_contain_text("Changes of Developer's step in revision 2")
    rest = page.request.get(f"{fast_server.url}/api/runs/{run_id}/revisions/2/diff?commit={commit}").text()
    paths = re.findall(r"^diff --git a/(\S+) ", rest, re.MULTILINE)
    expect(page.get_by_test_id("diff-file")).to_have_count(len(paths))
    assert [page.get_by_test_id("diff-file").nth(n).get_attribute("data-path") for n in range(len(paths))] == paths
    added = [line for line in rest.splitlines() if line.startswith("+") and not line.startswith("+++ ")]
    assert page.get_by_test_id("diff-view").locator(".diff-added").all_text_contents() == added

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

    with git_http_server(tmp_path / "served", TOKEN, "ghp_ReadOnly") as remote:
        bare = remote.create("project.git")
        url = remote.url("project.git")
        page.get_by_test_id("push-url").fill(url)
        page.get_by_test_id("push-token").fill(WRONG_TOKEN)
        page.get_by_test_id("push-project").click()
        expect(page.get_by_test_id("push-token")).to_have_value("")
        expect(page.get_by_test_id("push-result")).to_have_text(
            f"{url} refused the token (401): check that it is right and has not expired.", timeout=30_000)
        assert WRONG_TOKEN not in page.content()
        page.get_by_test_id("push-token").fill(TOKEN)
        page.get_by_test_id("push-token").press("Enter")
        expect(page.get_by_test_id("push-result")).to_have_attribute("data-state", "pushed", timeout=30_000)
        expect(page.get_by_test_id("push-result")).to_have_text(re.compile(rf"^Pushed \d+ commits to main at {url}\.$"))
        head = Repo(str(bare)).refs[b"refs/heads/main"].decode()
        assert head == git(three, "rev-parse", "HEAD").strip()
    expect(other.get_by_test_id("push-result")).to_have_attribute("data-state", "pushed")
    events, logs = json.dumps(fast_server.events(run_id)), fast_server.log() + json.dumps(fast_server.log_entries())
    for token in (WRONG_TOKEN, TOKEN):
        assert token not in events and token not in logs and token not in page.content()


def test_a_project_imported_on_the_dashboard_is_revision_1_and_a_hostile_zip_is_a_sentence(fast_server, pages,
                                                                                           tmp_path):
    page = pages(fast_server.url)
    chooser = page.get_by_test_id("import-project").locator("input[type=file]")
    hostile = tmp_path / "hostile.zip"
    hostile.write_bytes(zip_of({"ok.py": "x = 1\n", "../../etc/passwd": "owned\n"}))
    chooser.set_input_files(str(hostile))
    expect(page.get_by_test_id("brief-error")).to_have_text(
        "The zip holds a path that leads outside the project (../../etc/passwd); nothing was imported.")
    huge = tmp_path / "huge.zip"  # never sent: the chooser holds it to the import's limit (10 MB here)
    huge.write_bytes(os.urandom(12 * MB))
    chooser.set_input_files(str(huge))
    expect(page.get_by_test_id("brief-error")).to_have_text("The zip is 12 MB; at most 10 MB is accepted.")
    large = tmp_path / "large.zip"  # within the import's limit, though over an ordinary request's (1 MB)
    large.write_bytes(zip_of({**PROJECT, "calc-main/assets/noise.bin": os.urandom(2 * MB)}))
    chooser.set_input_files(str(large))
    expect(page.get_by_test_id("import-summary")).to_contain_text("large.zip: 7 files to start from")
    expect(page.get_by_test_id("brief-error")).to_have_text("")

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
