"""Fan-out of persisted events: every subscriber reads from a sequence number, replay then live."""

import asyncio
import time
from collections import defaultdict
from collections.abc import AsyncIterator, Sequence
from typing import NamedTuple

from .events import USAGE, Event, EventType, StoredEvent
from .fold import summary_change
from .metrics import Metrics
from .store import Store

# Marker put in a subscriber's queue when it fell too far behind: it re-reads from the store instead.
_LAGGED = None


class _Live(NamedTuple):
    item: StoredEvent
    emitted_at: float  # time.monotonic() when emit was called: where delivery latency starts


class _Subscriber:
    def __init__(self, capacity: int) -> None:
        self.queue: asyncio.Queue[_Live | None] = asyncio.Queue(maxsize=capacity)

    def offer(self, item: _Live) -> None:
        """Never blocks the publisher: a full queue is dropped and replaced by a catch-up marker."""
        try:
            self.queue.put_nowait(item)
        except asyncio.QueueFull:
            while not self.queue.empty():
                self.queue.get_nowait()
            self.queue.put_nowait(_LAGGED)


class Bus:
    """Persists before fan-out (`emit`), and serves gap-free, duplicate-free subscriptions (`subscribe`)."""

    def __init__(self, store: Store, capacity: int = 2000, metrics: Metrics | None = None) -> None:
        self.store = store
        self.capacity = capacity
        self.metrics = metrics or Metrics()
        self._delivered_from_store = self.metrics.events_delivered.labels("store")
        self._delivered_live = self.metrics.events_delivered.labels("live")
        self._subscribers: dict[str, set[_Subscriber]] = defaultdict(set)

    async def emit(self, run_id: str, *events: Event) -> list[StoredEvent]:
        emitted_at = time.monotonic()  # before the write: a viewer waits for persistence too
        stored = await self.store.append(run_id, list(events), summary_change(events))
        self._count(events)
        for subscriber in tuple(self._subscribers.get(run_id, ())):
            for item in stored:
                subscriber.offer(_Live(item, emitted_at))
        return stored

    def _count(self, events: Sequence[Event]) -> None:
        """Every event passes here once, so usage is counted from the USAGE events the log keeps."""
        self.metrics.events_appended.inc(len(events))
        for event in events:
            if event.type == EventType.CUSTOM and event.name == USAGE:
                value = event.value
                self.metrics.usage(value["prompt_tokens"], value["completion_tokens"], value["cost_usd"])

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
                    self._delivered_from_store.inc()
                    yield item
                    last = item.seq
                while True:
                    live = await subscriber.queue.get()
                    if live is _LAGGED or live.item.seq > last + 1:
                        break  # fell behind or saw a gap: catch up from the store
                    if live.item.seq == last + 1:
                        self._delivered_live.inc()
                        self.metrics.delivery_latency.observe(time.monotonic() - live.emitted_at)
                        yield live.item
                        last = live.item.seq
        finally:
            self._subscribers[run_id].discard(subscriber)
            if not self._subscribers[run_id]:
                del self._subscribers[run_id]
