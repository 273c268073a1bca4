"""Runs as jobs with leases on a real PostgreSQL: one claim per run however many workers ask at once, a worker that
lost its lease can never append again, and the shared token buckets in Redis hold across clients."""

import asyncio

import pytest

from core.domain.events import RunErrorEvent, TextMessageContentEvent
from core.domain.status import ErrorCode
from core.eventlog.pg_store import PgStore
from core.eventlog.protocols import LeaseLost
from core.limits.redis_buckets import RedisBuckets
from core.limits.shared import PerKeyLimit


def content(text: str) -> TextMessageContentEvent:
    return TextMessageContentEvent(message_id="m", delta=text)


@pytest.fixture
async def workers(postgres):
    """Five stores on one database, as five worker processes have."""
    url = postgres.new_database()
    stores = [PgStore(url) for _ in range(5)]
    for store in stores:
        store.open()
    yield stores
    for store in stores:
        await store.close()


async def test_five_workers_claiming_at_once_get_each_run_exactly_once(workers):
    for n in range(3):
        await workers[0].create_run(f"r{n}", "brief", "b-me")
        await workers[0].enqueue(f"r{n}")
    claims = await asyncio.gather(*(store.claim(f"w{i}", 10, 2) for i, store in enumerate(workers)))
    claimed = sorted(claim.run_id for batch in claims for claim in batch)
    assert claimed == ["r0", "r1", "r2"]
    assert await workers[0].job_counts() == (3, 0)
    assert not any(await asyncio.gather(*(store.claim("late", 10, 5) for store in workers)))


async def test_a_worker_that_lost_its_lease_can_never_append_again(workers):
    first, second = workers[:2]
    await first.create_run("r", "brief", "b-me")
    await first.enqueue("r")
    [old] = await first.claim("first", 10, 1)
    first.fence("r", old.epoch)
    await first.append("r", [content("one")])
    await first.hand_over("r", old.epoch)  # as an expired lease is
    [new] = await second.claim("second", 10, 1)
    second.fence("r", new.epoch)
    assert new.taken_over and new.epoch == old.epoch + 1
    with pytest.raises(LeaseLost):
        await first.append("r", [content("stale")])
    assert await first.renew("first", {"r": old.epoch}, 10) == {}
    await second.append("r", [content("two")])
    assert [(e.seq, e.event.delta) for e in await second.read("r")] == [(1, "one"), (2, "two")]
    # The segment's end ends the job in the same transaction.
    await second.append("r", [RunErrorEvent(message="stop", code=ErrorCode.INTERNAL)])
    assert not await second.job_wanted("r")


async def test_a_command_reaches_the_job_and_comes_back_with_the_renewal(workers):
    store = workers[0]
    await store.create_run("r", "brief", "b-me")
    await store.enqueue("r")
    [claim] = await store.claim("w", 10, 1)
    assert await store.add_signal("r", "pause") and await store.add_signal("r", "pause")
    assert await store.renew("w", {"r": claim.epoch}, 10) == {"r": ("pause",)}


async def test_two_clients_of_the_shared_buckets_together_get_what_one_would(redis_service):
    redis_service.flush()
    one, two = RedisBuckets(redis_service.url), RedisBuckets(redis_service.url)
    limits = [PerKeyLimit("starts", 3, shared) for shared in (one, two)]
    waits = [await limits[n % 2].take("b-me") for n in range(5)]
    assert waits[:3] == [0, 0, 0] and all(wait > 0 for wait in waits[3:])
    assert await limits[0].take("b-other") == 0  # per key
    assert await one.reserve("llm:tokens", 600, 600) == 0
    assert await two.reserve("llm:tokens", 600, 100) == pytest.approx(10, abs=0.5)  # 100 tokens at 10/s
    await one.close()
    await two.close()


async def test_without_redis_a_limit_falls_back_to_this_process(redis_service):
    shared = RedisBuckets("redis://127.0.0.1:1/0")  # nothing listens there
    limit = PerKeyLimit("starts", 2, shared)
    assert [await limit.take("b-me") for _ in range(3)][:2] == [0, 0]
    assert await limit.take("b-me") > 0
    await shared.close()
