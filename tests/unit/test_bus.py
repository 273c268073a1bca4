import asyncio

import pytest

from core.domain.events import TextMessageContentEvent
from core.eventlog.bus import Bus
from core.eventlog.redis_fanout import RedisEventFanout, RedisHub
from core.storage.backends import postgres_storage


@pytest.fixture
def store(any_store):
    """Every test here runs on each event log: SQLite, PostgreSQL and memory."""
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
    bus = Bus(store.log, capacity=5)
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


# The bus across processes: two buses on one PostgreSQL log, joined by Redis, as two instances are. What one emits
# the other's subscribers get, replay then live, once each and in order, also when Redis restarts mid-stream.

@pytest.fixture
async def instances(postgres, redis_service):
    """Two (store, hub, bus) triples on one database and one Redis: a writer and a viewer."""
    url = postgres.new_database()
    made = []
    for _ in range(2):
        store, hub = postgres_storage(url), RedisHub(redis_service.url)
        made.append((store, hub, Bus(store.log, fanout=RedisEventFanout(hub))))
    yield [bus for _, _, bus in made]
    for store, hub, _ in made:
        await hub.close()
        await store.close()


async def test_a_viewer_in_another_process_gets_every_event_once_in_order(instances):
    writer, viewer = instances
    for i in range(5):
        await writer.emit("r", content(i))
    reader = asyncio.create_task(collect(viewer, "r", 2, 43))
    await asyncio.sleep(0.2)
    for i in range(5, 45):
        await writer.emit("r", content(i))
    assert await asyncio.wait_for(reader, 30) == list(range(3, 46))


async def test_live_events_arrive_through_redis_not_only_from_the_log(instances):
    writer, viewer = instances
    delivered = []

    class Seen:
        def appended(self, events) -> None:
            pass

        def delivered(self, source: str, latency_s: float | None = None) -> None:
            delivered.append(source)

    viewer.observer = Seen()
    reader = asyncio.create_task(collect(viewer, "r", 0, 21))
    await writer.emit("r", content(0))
    async with asyncio.timeout(30):  # the viewer has it: its subscription is in place
        while not delivered:
            await asyncio.sleep(0.01)
    for i in range(1, 21):
        await writer.emit("r", content(i))
        await asyncio.sleep(0.01)
    assert await asyncio.wait_for(reader, 30) == list(range(1, 22))
    assert delivered[1:].count("live") >= 15, delivered


async def test_redis_restarting_mid_stream_loses_nothing(instances, redis_service):
    writer, viewer = instances
    reader = asyncio.create_task(collect(viewer, "r", 0, 60))
    await asyncio.sleep(0.3)
    for i in range(20):
        await writer.emit("r", content(i))
    await asyncio.to_thread(redis_service.stop)
    for i in range(20, 40):  # persisted while Redis is gone: publishing is skipped, never fails the writer
        await writer.emit("r", content(i))
    await asyncio.to_thread(redis_service.start)
    for i in range(40, 60):
        await writer.emit("r", content(i))
        await asyncio.sleep(0.01)
    assert await asyncio.wait_for(reader, 60) == list(range(1, 61))
