"""The job board's contract (core.storage.job_board) on its implementation, PostgreSQL's: one claim per run however
many workers ask at once, leases that fence a worker's appends, signals that come back with a renewal."""

import asyncio

import pytest

from core.domain.events import RunErrorEvent, RunFinishedEvent, TextMessageContentEvent
from core.domain.status import ErrorCode
from core.storage.backends import postgres_storage
from core.storage.job_board import LeaseLost


def content(text: str) -> TextMessageContentEvent:
    return TextMessageContentEvent(message_id="m", delta=text)


@pytest.fixture
async def workers(postgres):
    """Five openings of one database, as five worker processes have."""
    url = postgres.new_database()
    stores = [postgres_storage(url) for _ in range(5)]
    yield stores
    for store in stores:
        await store.close()


@pytest.fixture
def store(workers):
    return workers[0]


async def queued(store, run_id: str, owner: str = "b-me", held_s: float = 0) -> None:
    await store.catalogue.create_run(run_id, "brief", owner)
    await store.jobs.enqueue(run_id, held_s)


async def test_five_workers_claiming_at_once_get_each_run_exactly_once(workers):
    for n in range(3):
        await queued(workers[0], f"r{n}")
    claims = await asyncio.gather(*(store.jobs.claim(f"w{i}", 10, 2) for i, store in enumerate(workers)))
    claimed = sorted(claim.run_id for batch in claims for claim in batch)
    assert claimed == ["r0", "r1", "r2"]
    assert await workers[0].jobs.job_counts() == (3, 0)
    assert not any(await asyncio.gather(*(store.jobs.claim("late", 10, 5) for store in workers)))


async def test_a_worker_that_lost_its_lease_can_never_append_again(workers):
    first, second = workers[:2]
    await queued(first, "r")
    [old] = await first.jobs.claim("first", 10, 1)
    first.jobs.fence("r", old.epoch)
    await first.log.append("r", [content("one")])
    await first.jobs.hand_over("r", old.epoch)  # as an expired lease is
    [new] = await second.jobs.claim("second", 10, 1)
    second.jobs.fence("r", new.epoch)
    assert new.taken_over and new.epoch == old.epoch + 1
    with pytest.raises(LeaseLost):
        await first.log.append("r", [content("stale")])
    assert await first.jobs.renew("first", {"r": old.epoch}, 10) == {}
    await second.log.append("r", [content("two")])
    assert [(e.seq, e.event.delta) for e in await second.log.read("r")] == [(1, "one"), (2, "two")]
    # The segment's end ends the job in the same transaction.
    await second.log.append("r", [RunErrorEvent(message="stop", code=ErrorCode.INTERNAL)])
    assert not await second.jobs.job_wanted("r")


async def test_a_command_reaches_the_job_and_comes_back_with_the_renewal(store):
    await queued(store, "r")
    [claim] = await store.jobs.claim("w", 10, 1)
    assert await store.jobs.add_signal("r", "pause") and await store.jobs.add_signal("r", "pause")
    assert await store.jobs.renew("w", {"r": claim.epoch}, 10) == {"r": ("pause",)}
    assert not await store.jobs.add_signal("never-queued", "pause")


async def test_a_claim_says_whose_run_it_is_and_the_oldest_job_goes_first(store):
    await queued(store, "older", owner="b-me")
    await queued(store, "newer", owner="b-other")
    [first] = await store.jobs.claim("w", 10, 1)
    assert (first.run_id, first.owner, first.epoch, first.taken_over, first.signals) == ("older", "b-me", 1, False, ())
    assert [claim.run_id for claim in await store.jobs.claim("w", 10, 5)] == ["newer"]


async def test_a_job_held_back_is_claimed_only_once_its_hold_expires_or_it_is_launched(store):
    await queued(store, "held", held_s=30)
    await queued(store, "briefly", held_s=2)  # seconds: a busy machine takes a fraction of one to the next claim
    assert await store.jobs.claim("w", 10, 5) == []
    assert await store.jobs.job_counts() == (2, 0), "held back counts as held"
    async with asyncio.timeout(30):
        while not (claimed := await store.jobs.claim("w", 10, 5)):
            await asyncio.sleep(0.1)
    [expired] = claimed
    assert expired.run_id == "briefly" and expired.taken_over, "its launcher never came back"
    await store.jobs.enqueue("held")  # launched
    [launched] = await store.jobs.claim("w", 10, 5)
    assert launched.run_id == "held" and not launched.taken_over


async def test_only_a_job_no_worker_holds_can_be_taken_back(store):
    await queued(store, "waiting")
    await queued(store, "working")
    await store.jobs.claim("w", 10, 1)  # the older one
    assert not await store.jobs.dequeue_unclaimed("waiting")
    assert await store.jobs.dequeue_unclaimed("working")
    assert not await store.jobs.job_wanted("working")
    assert await store.jobs.job_counts() == (1, 0)


async def test_jobs_are_counted_per_owner_while_wanted(store):
    await queued(store, "a", owner="b-me")
    await queued(store, "b", owner="b-me")
    await queued(store, "c", owner="b-other")
    assert (await store.jobs.jobs_of("b-me"), await store.jobs.jobs_of("b-other")) == (2, 1)
    [claim] = await store.jobs.claim("w", 10, 1)
    store.jobs.fence(claim.run_id, claim.epoch)
    await store.log.append(claim.run_id, [RunFinishedEvent(thread_id="t", run_id=claim.run_id)])
    assert (await store.jobs.jobs_of("b-me"), await store.jobs.job_counts()) == (1, (0, 2))
    assert await store.jobs.job_wanted("b") and not await store.jobs.job_wanted("a")


async def test_a_deleted_runs_job_goes_with_it_and_a_missing_run_is_no_job(store):
    await queued(store, "r")
    [claim] = await store.jobs.claim("w", 10, 1)
    store.jobs.fence("r", claim.epoch)
    assert await store.catalogue.delete_run("r")
    assert await store.jobs.renew("w", {"r": claim.epoch}, 10) == {}
    with pytest.raises(LeaseLost):
        await store.log.append("r", [content("after the end")])
    await store.jobs.enqueue("never-created")
    assert not await store.jobs.job_wanted("never-created") and await store.jobs.job_counts() == (0, 0)


async def test_epochs_only_grow_across_jobs_of_one_run(store):
    await queued(store, "r")
    [first] = await store.jobs.claim("w", 10, 1)
    store.jobs.fence("r", first.epoch)
    await store.log.append("r", [RunFinishedEvent(thread_id="t", run_id="r")])
    await store.jobs.enqueue("r")  # resumed later
    [second] = await store.jobs.claim("w", 10, 1)
    assert second.epoch == first.epoch + 1 and not second.taken_over
    assert await store.jobs.renew("w", {"r": first.epoch}, 10) == {}
    assert await store.jobs.renew("w", {"r": second.epoch}, 10) == {"r": ()}
