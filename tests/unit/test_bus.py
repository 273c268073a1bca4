import asyncio

import pytest

from core.eventlog.bus import Bus
from core.domain.events import TextMessageContentEvent


@pytest.fixture
def store(any_store):
    """Every test here runs on SQLite and on PostgreSQL."""
    return any_store


def content(i: int) -> TextMessageContentEvent:
    return TextMessageContentEvent(message_id="m", delta=str(i))


async def collect(bus: Bus, run_id: str, after: int, count: int) -> list[int]:
    seen = []
    async for item in bus.subscribe(run_id, after):
        seen.append(item.seq)
        if len(seen) == count:
            return seen
    return seen


async def test_subscribe_replays_the_store_then_follows_live_without_gap_or_duplicate(bus):
    for i in range(10):
        await bus.emit("r", content(i))
    reader = asyncio.create_task(collect(bus, "r", 3, 27))

    async def writer():
        for i in range(10, 30):
            await bus.emit("r", content(i))
            if i % 3 == 0:
                await asyncio.sleep(0)

    await writer()
    assert await asyncio.wait_for(reader, 5) == list(range(4, 31))


async def test_a_stalled_subscriber_neither_blocks_the_publisher_nor_loses_events(store):
    bus = Bus(store, capacity=5)
    stalled = bus.subscribe("r", 0)
    first = await anext_after_emit(bus, stalled)
    assert first.seq == 1
    # The subscriber reads nothing while 200 more events are published: emit must never wait for it.
    await asyncio.wait_for(asyncio.gather(*(bus.emit("r", content(i)) for i in range(200))), 5)
    rest = [item.seq async for item in take(stalled, 200)]
    assert rest == list(range(2, 202))
    await stalled.aclose()
    assert bus.subscriber_count("r") == 0


async def test_other_runs_are_not_delivered(bus):
    reader = asyncio.create_task(collect(bus, "a", 0, 2))
    await asyncio.sleep(0.01)
    await bus.emit("b", content(0))
    await bus.emit("a", content(1))
    await bus.emit("a", content(2))
    assert await asyncio.wait_for(reader, 5) == [1, 2]


async def anext_after_emit(bus, subscription):
    pending = asyncio.create_task(subscription.__anext__())
    await asyncio.sleep(0.01)
    await bus.emit("r", content(-1))
    return await asyncio.wait_for(pending, 5)


async def take(subscription, count):
    for _ in range(count):
        yield await asyncio.wait_for(subscription.__anext__(), 5)
