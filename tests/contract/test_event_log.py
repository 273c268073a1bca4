"""The event log's contract (core.storage.event_log), run against every implementation: SQLite, PostgreSQL and
memory (the `backend` fixture of tests/conftest.py)."""

import asyncio

import pytest

from core.domain.custom import RunQueued, UnknownCustomEvent, custom
from core.domain.events import CustomEvent, RunStartedEvent, TextMessageContentEvent


@pytest.fixture
def log(any_store):
    return any_store.log


def content(text: str) -> TextMessageContentEvent:
    return TextMessageContentEvent(message_id="m", delta=text)


async def test_sequence_numbers_are_gap_free_per_run_under_concurrent_appends(log):
    await asyncio.gather(*(log.append(run, [content(f"{run}{i}")]) for i in range(50) for run in ("a", "b")))
    for run in ("a", "b"):
        events = await log.read(run)
        assert [e.seq for e in events] == list(range(1, 51))
        assert {e.event.delta for e in events} == {f"{run}{i}" for i in range(50)}


async def test_a_batch_gets_consecutive_numbers_in_its_order_under_concurrent_appends(log):
    batches = await asyncio.gather(*(log.append("r", [content(f"{i}.1"), content(f"{i}.2"), content(f"{i}.3")])
                                     for i in range(20)))
    for stored in batches:
        assert [e.seq - stored[0].seq for e in stored] == [0, 1, 2]
        assert [e.event.delta[-1] for e in stored] == ["1", "2", "3"]
    assert [e.seq for e in await log.read("r")] == list(range(1, 61))


async def test_what_an_append_returned_is_read_back_at_once_and_from_any_sequence_number(log):
    stored = await log.append("r", [content("one"), content("two")])
    assert [(e.seq, e.event.delta) for e in await log.read("r")] == [(e.seq, e.event.delta) for e in stored]
    assert [e.seq for e in await log.read("r", after_seq=1)] == [2]
    assert await log.read("r", after_seq=2) == []
    assert await log.read("never-written") == []


async def test_readers_during_appends_see_a_prefix_without_gaps(log):
    async def reader() -> list[list[int]]:
        seen = []
        for _ in range(20):
            seen.append([e.seq for e in await log.read("r")])
            await asyncio.sleep(0)
        return seen

    reads, _ = await asyncio.gather(reader(), asyncio.gather(*(log.append("r", [content(str(i))])
                                                                for i in range(40))))
    for seqs in reads:
        assert seqs == list(range(1, len(seqs) + 1))


async def test_a_refused_append_fails_alone_and_leaves_no_gap(log):
    refused = CustomEvent(name="not_a_kind", value={})
    outcomes = await asyncio.gather(log.append("r", [content("1")]), log.append("r", [refused]),
                                    log.append("r", [content("2")]), return_exceptions=True)
    assert isinstance(outcomes[1], UnknownCustomEvent)
    stored = await log.read("r")  # PostgreSQL may commit the two in either order
    assert [e.seq for e in stored] == [1, 2] and sorted(e.event.delta for e in stored) == ["1", "2"]


async def test_events_round_trip_as_ag_ui_events_and_read_after_a_sequence_number(log):
    await log.append("r", [RunStartedEvent(thread_id="r", run_id="r"), content("hé"), custom(RunQueued(position=1))])
    events = await log.read("r", after_seq=1)
    assert [e.seq for e in events] == [2, 3]
    assert events[0].event.delta == "hé" and events[1].event.value == {"position": 1}
    assert all(e.event.timestamp for e in events), "the log stamps every event"


async def test_a_stored_event_does_not_change_with_the_object_it_was_appended_from(log):
    event = content("as appended")
    await log.append("r", [event])
    event.delta = "changed afterwards"
    assert [e.event.delta for e in await log.read("r")] == ["as appended"]


async def test_a_custom_event_of_an_unknown_kind_or_shape_is_refused_and_nothing_is_written(log):
    with pytest.raises(UnknownCustomEvent, match="unknown custom event kind 'artifact_saveed'"):
        await log.append("r", [content("kept out"), CustomEvent(name="artifact_saveed", value={"agent": "a"})])
    with pytest.raises(UnknownCustomEvent, match="'run_queued' has a payload that does not fit"):
        await log.append("r", [CustomEvent(name="run_queued", value={"postion": 1})])
    assert await log.read("r") == []
    assert [e.seq for e in await log.append("r", [content("next")])] == [1]


async def test_the_log_survives_reopening_and_continues_its_sequence(backend):
    first = backend.open()
    await first.log.append("r", [content("one"), content("two")])
    await first.close()
    second = backend.open()
    stored = await second.log.append("r", [content("three")])
    assert stored[0].seq == 3
    assert [e.event.delta for e in await second.log.read("r")] == ["one", "two", "three"]
    await second.close()


async def test_two_openings_of_one_database_append_to_one_gap_free_sequence(backend):
    """As two processes do: two web instances or workers on PostgreSQL, the server and its tools on SQLite."""
    one, two = backend.open(), backend.open()
    await asyncio.gather(*(store.log.append("r", [content(str(i))]) for i in range(20) for store in (one, two)))
    assert [e.seq for e in await one.log.read("r")] == list(range(1, 41))
    assert [e.seq for e in await two.log.read("r")] == list(range(1, 41))
    await one.close()
    await two.close()


async def test_the_log_is_writable(log):
    assert await log.check_writable()
