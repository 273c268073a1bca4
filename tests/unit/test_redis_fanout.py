"""The bus across processes: two buses on one PostgreSQL log, joined by Redis, as two instances are. What one emits
the other's subscribers get, replay then live, once each and in order, also when Redis restarts mid-stream."""

import asyncio

import pytest

from core.domain.events import TextMessageContentEvent
from core.eventlog.bus import Bus
from core.eventlog.pg_store import PgStore
from core.eventlog.redis_fanout import RedisEventFanout, RedisHub


def content(i: int) -> TextMessageContentEvent:
    return TextMessageContentEvent(message_id="m", delta=str(i))


@pytest.fixture
async def instances(postgres, redis_service):
    """Two (store, hub, bus) triples on one database and one Redis: a writer and a viewer."""
    url = postgres.new_database()
    made = []
    for _ in range(2):
        store, hub = PgStore(url), RedisHub(redis_service.url)
        store.open()
        made.append((store, hub, Bus(store, fanout=RedisEventFanout(hub))))
    yield [bus for _, _, bus in made]
    for store, hub, _ in made:
        await hub.close()
        await store.close()


async def follow(bus: Bus, run_id: str, after: int, count: int) -> list[int]:
    seen = []
    async for item in bus.subscribe(run_id, after):
        seen.append(item.seq)
        if len(seen) == count:
            return seen
    return seen


async def test_a_viewer_in_another_process_gets_every_event_once_in_order(instances):
    writer, viewer = instances
    for i in range(5):
        await writer.emit("r", content(i))
    reader = asyncio.create_task(follow(viewer, "r", 2, 43))
    await asyncio.sleep(0.2)
    for i in range(5, 45):
        await writer.emit("r", content(i))
    assert await asyncio.wait_for(reader, 10) == list(range(3, 46))


async def test_live_events_arrive_through_redis_not_only_from_the_log(instances):
    writer, viewer = instances
    delivered = []
    viewer.observer = type("Seen", (), {"appended": lambda self, e: None,
                                        "delivered": lambda self, source, latency=None: delivered.append(source)})()
    reader = asyncio.create_task(follow(viewer, "r", 0, 20))
    await asyncio.sleep(0.3)
    for i in range(20):
        await writer.emit("r", content(i))
        await asyncio.sleep(0.01)
    assert await asyncio.wait_for(reader, 10) == list(range(1, 21))
    assert delivered.count("live") >= 15, delivered


async def test_redis_restarting_mid_stream_loses_nothing(instances, redis_service):
    writer, viewer = instances
    reader = asyncio.create_task(follow(viewer, "r", 0, 60))
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
    assert await asyncio.wait_for(reader, 20) == list(range(1, 61))
