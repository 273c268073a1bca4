"""A serving process's collections (core.web.garbage): what survives a full collection is frozen, so that the next
ones do not walk it again; frozen cyclic garbage is freed when everything is collected: once enough pages have
closed, or now and then."""

import asyncio
import gc
import weakref

import pytest

from core.web.garbage import Collections, collect_all


class Node:
    def __init__(self) -> None:
        self.other: Node | None = None


def cycle() -> Node:
    """Two objects that refer to each other: only a collection frees them, as a closed page's elements."""
    one, two = Node(), Node()
    one.other, two.other = two, one
    return one


def walked(thing: object) -> bool:
    """A collection of the oldest generation walks it."""
    return any(found is thing for found in gc.get_objects())


@pytest.fixture
def loop():
    """A loop of its own, and every object unfrozen after: the rest of the suite runs in this process."""
    loop = asyncio.new_event_loop()
    yield loop
    loop.close()
    gc.unfreeze()


def serving(loop, collections: Collections):
    """The collections of a serving process, started in `loop`; cancel the task to stop them."""
    task = loop.create_task(collections.run())
    loop.run_until_complete(asyncio.sleep(0))
    return task


def stop(loop, task) -> None:
    task.cancel()
    loop.run_until_complete(asyncio.gather(task, return_exceptions=True))


def frozen_garbage() -> weakref.ref:
    """Cyclic garbage that a full collection froze while it was still in use."""
    garbage = cycle()
    alive = weakref.ref(garbage)
    gc.collect()
    return alive


def test_what_survives_a_full_collection_is_frozen_and_later_ones_walk_only_what_came_since(loop):
    task = serving(loop, Collections(every_s=3600))
    kept = cycle()
    gc.collect()
    later = cycle()

    assert not walked(kept)
    assert walked(later)
    stop(loop, task)
    gc.collect()
    assert walked(later), "stopped, what survives a collection is no longer frozen"


def test_frozen_cyclic_garbage_is_freed_when_everything_is_collected(loop):
    task = serving(loop, Collections(every_s=3600))
    alive = frozen_garbage()
    gc.collect()
    assert alive() is not None  # no longer walked

    assert collect_all() >= 2
    assert alive() is None
    stop(loop, task)


def test_everything_is_collected_once_enough_pages_have_closed(loop):
    collections = Collections(every_s=3600, after_closed=3)
    task = serving(loop, collections)
    alive = frozen_garbage()
    for _ in range(2):
        collections.closed()
    loop.run_until_complete(asyncio.sleep(0.1))
    assert alive() is not None

    collections.closed()
    loop.run_until_complete(asyncio.sleep(0.1))

    assert alive() is None
    stop(loop, task)


def test_everything_is_collected_now_and_then_while_serving(loop):
    task = serving(loop, Collections(every_s=0.01))
    alive = frozen_garbage()

    loop.run_until_complete(asyncio.sleep(0.2))

    assert alive() is None
    stop(loop, task)
