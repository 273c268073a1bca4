"""Fan-out of persisted events: every subscriber reads from a sequence number, replay then live."""

import asyncio
from collections import defaultdict
from collections.abc import AsyncIterator

from .events import Event, StoredEvent
from .fold import summary_change
from .store import Store

# Marker put in a subscriber's queue when it fell too far behind: it re-reads from the store instead.
_LAGGED = None


class _Subscriber:
    def __init__(self, capacity: int) -> None:
        self.queue: asyncio.Queue[StoredEvent | None] = asyncio.Queue(maxsize=capacity)

    def offer(self, item: StoredEvent) -> None:
        """Never blocks the publisher: a full queue is dropped and replaced by a catch-up marker."""
        try:
            self.queue.put_nowait(item)
        except asyncio.QueueFull:
            while not self.queue.empty():
                self.queue.get_nowait()
            self.queue.put_nowait(_LAGGED)


class Bus:
    """Persists before fan-out (`emit`), and serves gap-free, duplicate-free subscriptions (`subscribe`)."""

    def __init__(self, store: Store, capacity: int = 2000) -> None:
        self.store = store
        self.capacity = capacity
        self._subscribers: dict[str, set[_Subscriber]] = defaultdict(set)

    async def emit(self, run_id: str, *events: Event) -> list[StoredEvent]:
        stored = await self.store.append(run_id, list(events), summary_change(events))
        for subscriber in tuple(self._subscribers.get(run_id, ())):
            for item in stored:
                subscriber.offer(item)
        return stored

    def subscriber_count(self, run_id: str) -> int:
        return len(self._subscribers.get(run_id, ()))

    async def subscribe(self, run_id: str, after_seq: int = 0) -> AsyncIterator[StoredEvent]:
        """Yield every event with seq > after_seq, in order, exactly once, then follow the run live."""
        subscriber = _Subscriber(self.capacity)
        # Registered before reading the store, so nothing persisted in between is missed; duplicates drop by seq.
        self._subscribers[run_id].add(subscriber)
        last = after_seq
        try:
            while True:
                for item in await self.store.read(run_id, last):
                    yield item
                    last = item.seq
                while True:
                    item = await subscriber.queue.get()
                    if item is _LAGGED or item.seq > last + 1:
                        break  # fell behind or saw a gap: catch up from the store
                    if item.seq == last + 1:
                        yield item
                        last = item.seq
        finally:
            self._subscribers[run_id].discard(subscriber)
            if not self._subscribers[run_id]:
                del self._subscribers[run_id]
