"""The shared token buckets in Redis hold across clients, and a limit falls back to its process without Redis. (Runs as
jobs with leases on PostgreSQL: tests/contract/test_job_board.py.)"""

import pytest

from core.limits.redis_buckets import RedisBuckets
from core.limits.shared import PerKeyLimit


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
