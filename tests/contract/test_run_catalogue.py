"""The run catalogue's contract (core.storage.run_catalogue), run against every implementation: SQLite, PostgreSQL
and memory. The rows' summaries change with the appends of the same database's event log."""

import pytest

from core.domain.events import RunStartedEvent, TextMessageContentEvent
from core.domain.fold import SummaryChange
from core.domain.status import RunStatus, VerifyStatus


@pytest.fixture
def catalogue(any_store):
    return any_store.catalogue


def content(text: str) -> TextMessageContentEvent:
    return TextMessageContentEvent(message_id="m", delta=text)


async def test_lists_runs_newest_first_per_owner(any_store, catalogue):
    await catalogue.create_run("old", "first brief", "b-me")
    await catalogue.create_run("new", "second brief", "b-me")
    await catalogue.create_run("theirs", "a brief of someone else's", "b-other")
    await any_store.log.append("new", [RunStartedEvent(thread_id="new", run_id="new")], SummaryChange(status="running"))
    assert {r.run_id for r in (await catalogue.list_runs("b-me")).rows} == {"new", "old"}  # made in the same ms
    assert [r.run_id for r in (await catalogue.list_runs("b-other")).rows] == ["theirs"]
    assert (await catalogue.list_runs("b-nobody")).total == 0
    assert (await catalogue.get_run("new")).status == "running"
    assert (await catalogue.get_run("old")).status == "running"  # the default until an event says otherwise
    assert await catalogue.get_run("missing") is None


async def test_a_new_run_has_an_empty_row_of_its_own(catalogue):
    assert await catalogue.create_run("r", "a brief", "b-me")
    row = await catalogue.get_run("r")
    assert (row.run_id, row.brief, row.title, row.owner, row.status) == ("r", "a brief", "", "b-me", RunStatus.RUNNING)
    assert (row.ended_ms, row.tokens, row.cost_usd, row.verdict) == (None, 0, 0, None)
    assert row.created_ms > 0


async def test_a_run_id_is_taken_once(catalogue):
    assert await catalogue.create_run("r", "first", "b-me")
    assert not await catalogue.create_run("r", "second", "b-other")
    assert (await catalogue.get_run("r")).brief == "first"


async def test_a_thread_has_one_run_per_owner(catalogue):
    assert await catalogue.create_run("mine", "brief", "b-me", thread_id="t")
    assert not await catalogue.create_run("again", "brief", "b-me", thread_id="t")
    assert await catalogue.create_run("theirs", "brief", "b-other", thread_id="t")
    assert await catalogue.create_run("no-thread-1", "brief", "b-me")
    assert await catalogue.create_run("no-thread-2", "brief", "b-me")
    assert (await catalogue.run_of_thread("b-me", "t")).run_id == "mine"
    assert (await catalogue.run_of_thread("b-other", "t")).run_id == "theirs"
    assert await catalogue.run_of_thread("b-nobody", "t") is None
    assert await catalogue.get_run("again") is None


async def test_the_history_row_carries_the_tests_verdict_and_its_usage(any_store, catalogue):
    await catalogue.create_run("r", "a brief", "b-me")
    assert (await catalogue.get_run("r")).verdict is None, "no verdict before the tests first run"
    await any_store.log.append("r", [content("a")], SummaryChange(verdict=VerifyStatus.RUNNING, tokens=5,
                                                                  cost_usd=0.5))
    await any_store.log.append("r", [content("b")], SummaryChange(verdict=VerifyStatus.FAILED))
    [row] = (await catalogue.list_runs("b-me")).rows
    assert (row.verdict, row.tokens, row.cost_usd) == (VerifyStatus.FAILED, 5, 0.5)


async def test_a_run_that_stops_working_says_when_and_one_that_works_again_does_not(any_store, catalogue):
    await catalogue.create_run("r", "a brief", "b-me")
    await any_store.log.append("r", [content("a")], SummaryChange(status=RunStatus.WAITING_APPROVAL))
    waiting = await catalogue.get_run("r")
    assert waiting.status == RunStatus.WAITING_APPROVAL and waiting.ended_ms >= waiting.created_ms
    await any_store.log.append("r", [content("b")], SummaryChange(status=RunStatus.RUNNING, tokens=3,
                                                                  cost_usd=0.25))
    working = await catalogue.get_run("r")
    assert (working.status, working.ended_ms) == (RunStatus.RUNNING, None)
    await any_store.log.append("r", [content("c")], SummaryChange(status=RunStatus.COMPLETED, tokens=4,
                                                                  cost_usd=0.25))
    done = await catalogue.get_run("r")
    assert (done.status, done.tokens, done.cost_usd) == (RunStatus.COMPLETED, 7, 0.5)
    assert done.ended_ms >= working.created_ms and done.verdict is None
    await any_store.log.append("r", [content("d")])  # streamed text changes nothing of the row
    assert await catalogue.get_run("r") == done


async def test_ten_thousand_runs_page_search_and_filter(backend, catalogue):
    # Seeded in one transaction: the listing, not the inserts, is tested.
    backend.seed_runs([(f"r{i:05}", f"Brief number {i} about {'saunas' if i % 100 == 0 else 'gardens'}", i,
                        "completed" if i % 3 else "failed", "b-me") for i in range(10_000)]
                      + [(f"x{i:05}", f"Someone else's saunas {i}", 20_000 + i, "failed", "b-other")
                         for i in range(1_000)])
    page = await catalogue.list_runs("b-me", 25, 0)
    assert page.total == 10_000 and [r.run_id for r in page.rows[:2]] == ["r09999", "r09998"]
    last = await catalogue.list_runs("b-me", 25, 9_975)
    assert [r.run_id for r in last.rows][-1] == "r00000" and len(last.rows) == 25
    found = await catalogue.list_runs("b-me", 25, 0, search="SAUNAS")
    assert found.total == 100 and all("saunas" in r.brief for r in found.rows)
    failed = await catalogue.list_runs("b-me", 25, 0, status="failed", search="saunas")
    assert failed.total == 34 and {r.status for r in failed.rows} == {"failed"}
    assert (await catalogue.list_runs("b-me", 25, 0, search="100%_")).total == 0, "wildcards are searched for literally"
    assert await catalogue.rename_run("r00042", "Renamed")
    assert (await catalogue.list_runs("b-me", 5, 0, search="renamed")).total == 1
    assert (await catalogue.list_runs("b-me", 25, 10_000)).rows == []
    assert len(await catalogue.runs_with_status(RunStatus.FAILED)) == 3_334 + 1_000  # every owner's


@pytest.mark.parametrize("search, found", [
    ("50%", ["percent"]), ("5_0", ["underscore"]), ("a\\b", ["backslash"]), ("%", ["percent"]), ("_", ["underscore"]),
    ("\\", ["backslash"]), ("a/b", ["slash"]), ("ÜBER", ["unicode"]), ("über alles", ["unicode"]),
    ("BRIEF", ["backslash", "percent", "plain", "slash", "underscore", "unicode"]), ("nowhere", [])])
async def test_search_finds_its_text_literally_and_in_any_case(catalogue, search, found):
    for run_id, brief in (("percent", "Brief: 50% off"), ("underscore", "Brief: 5_0 files"),
                          ("backslash", "Brief: a\\b path"), ("slash", "Brief: a/b test"),
                          ("unicode", "Brief: Über alles"), ("plain", "Brief: 500 files, ab")):
        await catalogue.create_run(run_id, brief, "b-me")
    assert sorted(r.run_id for r in (await catalogue.list_runs("b-me", search=search)).rows) == found


async def test_search_looks_at_the_title_too_and_only_at_the_owners_runs(catalogue):
    await catalogue.create_run("mine", "a brief", "b-me")
    await catalogue.create_run("theirs", "a brief", "b-other")
    assert await catalogue.rename_run("mine", "Sauna Booking")
    assert await catalogue.rename_run("theirs", "Sauna Booking")
    assert [r.run_id for r in (await catalogue.list_runs("b-me", search="sauna b")).rows] == ["mine"]
    assert not await catalogue.rename_run("missing", "Anything")


async def test_a_deleted_run_is_gone_with_its_events_and_its_id_starts_afresh(any_store, catalogue):
    for run_id in ("gone", "kept"):
        await catalogue.create_run(run_id, "a brief", "b-me", thread_id=run_id)
        await any_store.log.append(run_id, [content("1"), content("2")])
    assert await catalogue.delete_run("gone")
    assert not await catalogue.delete_run("gone"), "deleted once"
    assert await catalogue.get_run("gone") is None and await any_store.log.read("gone") == []
    assert await catalogue.run_of_thread("b-me", "gone") is None
    assert [r.run_id for r in (await catalogue.list_runs("b-me")).rows] == ["kept"]
    assert [e.seq for e in await any_store.log.read("kept")] == [1, 2]
    assert await catalogue.create_run("gone", "a new brief", "b-me", thread_id="gone")
    assert [e.seq for e in await any_store.log.append("gone", [content("new")])] == [1]


async def test_runs_from_before_users_existed_go_to_the_first_owner_once(catalogue):
    await catalogue.create_run("old", "an old brief", "")
    await catalogue.create_run("owned", "a brief", "b-me")
    assert await catalogue.adopt_unowned_runs("b-first") == 1
    assert await catalogue.adopt_unowned_runs("b-second") == 0
    assert [r.run_id for r in (await catalogue.list_runs("b-first")).rows] == ["old"]
    assert (await catalogue.get_run("owned")).owner == "b-me"


async def test_runs_with_a_status_are_every_owners(any_store, catalogue):
    for run_id, owner in (("a", "b-me"), ("b", "b-other"), ("c", "b-me")):
        await catalogue.create_run(run_id, "a brief", owner)
    await any_store.log.append("c", [content("x")], SummaryChange(status=RunStatus.PAUSED))
    assert sorted(r.run_id for r in await catalogue.runs_with_status(RunStatus.RUNNING)) == ["a", "b"]
    assert [r.run_id for r in await catalogue.runs_with_status(RunStatus.PAUSED)] == ["c"]
