"""A serving process's collections (core.web.garbage): what survives a full collection is frozen, so that the next
ones do not walk it again; frozen cyclic garbage is freed when everything is collected, now and then."""

import asyncio
import gc
import weakref

import pytest

from core.web.garbage import collect_all, collecting


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


def serving(loop, every_s: float):
    """The collections of a serving process, started in `loop`; cancel the task to stop them."""
    task = loop.create_task(collecting(every_s))
    loop.run_until_complete(asyncio.sleep(0))
    return task


def stop(loop, task) -> None:
    task.cancel()
    loop.run_until_complete(asyncio.gather(task, return_exceptions=True))


def test_what_survives_a_full_collection_is_frozen_and_later_ones_walk_only_what_came_since(loop):
    task = serving(loop, every_s=3600)
    kept = cycle()
    gc.collect()
    later = cycle()

    assert not walked(kept)
    assert walked(later)
    stop(loop, task)
    gc.collect()
    assert walked(later), "stopped, what survives a collection is no longer frozen"


def test_frozen_cyclic_garbage_is_freed_when_everything_is_collected(loop):
    task = serving(loop, every_s=3600)
    garbage = cycle()
    alive = weakref.ref(garbage)
    gc.collect()  # it survives, and is frozen
    del garbage
    gc.collect()
    assert alive() is not None  # no longer walked

    assert collect_all() >= 2
    assert alive() is None
    stop(loop, task)


def test_everything_is_collected_now_and_then_while_serving(loop):
    task = serving(loop, every_s=0.01)
    garbage = cycle()
    alive = weakref.ref(garbage)
    gc.collect()
    del garbage

    loop.run_until_complete(asyncio.sleep(0.2))

    assert alive() is None
    stop(loop, task)
