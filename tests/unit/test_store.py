import asyncio
import sqlite3

import pytest

from core.domain.custom import RunQueued, UnknownCustomEvent, custom
from core.domain.events import CustomEvent, RunStartedEvent, TextMessageContentEvent
from core.domain.fold import SummaryChange
from core.domain.status import VerifyStatus
from core.eventlog.sqlite_store import Store
from tests.support.engines import seed_runs


@pytest.fixture
def store(any_store):
    """Every test here that takes `store` runs on SQLite and on PostgreSQL."""
    return any_store


def content(text: str) -> TextMessageContentEvent:
    return TextMessageContentEvent(message_id="m", delta=text)


async def test_sequence_numbers_are_gap_free_per_run_under_concurrent_appends(store):
    await asyncio.gather(*(store.append(run, [content(f"{run}{i}")]) for i in range(50) for run in ("a", "b")))
    for run in ("a", "b"):
        events = await store.read(run)
        assert [e.seq for e in events] == list(range(1, 51))
        assert {e.event.delta for e in events} == {f"{run}{i}" for i in range(50)}


async def test_appends_that_arrive_during_a_commit_share_the_next_transaction(tmp_path):
    commits: list[str] = []
    store = Store(tmp_path / "db.sqlite3", lambda operation, _: commits.append(operation))
    store.open()
    results = await asyncio.gather(*(store.append(run, [content(f"{run}{i}")]) for i in range(40) for run in "abc"))
    assert [item.seq for item in results[0]] == [1]
    assert len(commits) < 120 / 4, f"{len(commits)} transactions for 120 appends made at once"
    for run in "abc":
        assert [e.event.delta for e in await store.read(run)] == [f"{run}{i}" for i in range(40)]
    await store.close()


async def test_a_refused_append_fails_alone_and_leaves_no_gap(store):
    refused = CustomEvent(name="not_a_kind", value={})
    outcomes = await asyncio.gather(store.append("r", [content("1")]), store.append("r", [refused]),
                                    store.append("r", [content("2")]), return_exceptions=True)
    assert isinstance(outcomes[1], UnknownCustomEvent)
    stored = await store.read("r")  # PostgreSQL may commit the two in either order
    assert [e.seq for e in stored] == [1, 2] and sorted(e.event.delta for e in stored) == ["1", "2"]


async def test_events_round_trip_as_ag_ui_events_and_read_after_a_sequence_number(store):
    await store.append("r", [RunStartedEvent(thread_id="r", run_id="r"), content("hé"), custom(RunQueued(position=1))])
    events = await store.read("r", after_seq=1)
    assert [e.seq for e in events] == [2, 3]
    assert events[0].event.delta == "hé" and events[1].event.value == {"position": 1}
    assert all(e.event.timestamp for e in events), "the log stamps every event"


async def test_the_log_survives_reopening_and_continues_its_sequence(tmp_path):
    path = tmp_path / "db.sqlite3"
    first = Store(path)
    first.open()
    await first.append("r", [content("one"), content("two")])
    await first.close()
    second = Store(path)
    second.open()
    stored = await second.append("r", [content("three")])
    assert stored[0].seq == 3
    assert [e.event.delta for e in await second.read("r")] == ["one", "two", "three"]
    await second.close()


async def test_lists_runs_newest_first_per_owner(store):
    await store.create_run("old", "first brief", "b-me")
    await store.create_run("new", "second brief", "b-me")
    await store.create_run("theirs", "a brief of someone else's", "b-other")
    await store.append("new", [RunStartedEvent(thread_id="new", run_id="new")], SummaryChange(status="running"))
    assert {r.run_id for r in (await store.list_runs("b-me")).rows} == {"new", "old"}  # made in the same ms
    assert [r.run_id for r in (await store.list_runs("b-other")).rows] == ["theirs"]
    assert (await store.list_runs("b-nobody")).total == 0
    assert (await store.get_run("new")).status == "running"
    assert (await store.get_run("old")).status == "running"  # the default until an event says otherwise
    assert await store.get_run("missing") is None
    assert await store.check_writable()


async def test_the_history_row_carries_the_tests_verdict_and_its_usage(store):
    await store.create_run("r", "a brief", "b-me")
    assert (await store.get_run("r")).verdict is None, "no verdict before the tests first run"
    await store.append("r", [content("a")], SummaryChange(verdict=VerifyStatus.RUNNING, tokens=5, cost_usd=0.5))
    await store.append("r", [content("b")], SummaryChange(verdict=VerifyStatus.FAILED))
    [row] = (await store.list_runs("b-me")).rows
    assert (row.verdict, row.tokens, row.cost_usd) == (VerifyStatus.FAILED, 5, 0.5)


async def test_the_sqlite_file_uses_wal(tmp_path):
    store = Store(tmp_path / "db.sqlite3")
    store.open()
    with sqlite3.connect(store.path) as db:
        assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    await store.close()


async def test_ten_thousand_runs_page_search_and_filter(store):
    # Seeded in one transaction: the listing, not the inserts, is tested.
    seed_runs(store, [(f"r{i:05}", f"Brief number {i} about {'saunas' if i % 100 == 0 else 'gardens'}", i,
                       "completed" if i % 3 else "failed", "b-me") for i in range(10_000)]
              + [(f"x{i:05}", f"Someone else's saunas {i}", 20_000 + i, "failed", "b-other") for i in range(1_000)])
    page = await store.list_runs("b-me", 25, 0)
    assert page.total == 10_000 and [r.run_id for r in page.rows[:2]] == ["r09999", "r09998"]
    last = await store.list_runs("b-me", 25, 9_975)
    assert [r.run_id for r in last.rows][-1] == "r00000" and len(last.rows) == 25
    found = await store.list_runs("b-me", 25, 0, search="SAUNAS")
    assert found.total == 100 and all("saunas" in r.brief for r in found.rows)
    failed = await store.list_runs("b-me", 25, 0, status="failed", search="saunas")
    assert failed.total == 34 and {r.status for r in failed.rows} == {"failed"}
    assert (await store.list_runs("b-me", 25, 0, search="100%_")).total == 0, "wildcards are searched for literally"
    assert await store.rename_run("r00042", "Renamed")
    assert (await store.list_runs("b-me", 5, 0, search="renamed")).total == 1


async def test_an_older_database_gains_the_new_columns(tmp_path):
    path = tmp_path / "old.sqlite3"
    with sqlite3.connect(path) as db:
        db.execute("CREATE TABLE runs (run_id TEXT PRIMARY KEY, brief TEXT NOT NULL, created_ms INTEGER NOT NULL, "
                   "status TEXT NOT NULL DEFAULT 'running')")
        db.execute("INSERT INTO runs VALUES ('kept', 'an old brief', 1, 'completed')")
    store = Store(path)
    store.open()
    row = await store.get_run("kept")
    assert (row.brief, row.status, row.title, row.tokens, row.owner) == ("an old brief", "completed", "", 0, "")
    # Runs from before users existed go to the first identity that appears, once.
    assert await store.adopt_unowned_runs("b-first") == 1
    assert await store.adopt_unowned_runs("b-second") == 0
    assert [r.run_id for r in (await store.list_runs("b-first")).rows] == ["kept"]
    await store.close()


async def test_a_custom_event_of_an_unknown_kind_or_shape_is_refused_and_nothing_is_written(store):
    with pytest.raises(UnknownCustomEvent, match="unknown custom event kind 'artifact_saveed'"):
        await store.append("r", [content("kept out"), CustomEvent(name="artifact_saveed", value={"agent": "a"})])
    with pytest.raises(UnknownCustomEvent, match="'run_queued' has a payload that does not fit"):
        await store.append("r", [CustomEvent(name="run_queued", value={"postion": 1})])
    assert await store.read("r") == []
    assert [e.seq for e in await store.append("r", [content("next")])] == [1]
