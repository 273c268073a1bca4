"""Fan-out of persisted events: every subscriber reads from a sequence number, replay then live."""

import asyncio
import time
from collections import defaultdict
from collections.abc import AsyncIterator, Sequence
from typing import NamedTuple, Protocol

from core.domain.events import Event, StoredEvent
from core.domain.fold import summary_change

from .sqlite_store import Store

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


class BusObserver(Protocol):
    """What the bus reports, for metrics: the events appended, and events handed to viewers (from the store or
    live, with the seconds from emit to hand-over for live ones)."""

    def appended(self, events: Sequence[Event]) -> None: ...

    def delivered(self, source: str, latency_s: float | None = None) -> None: ...


class _Unobserved:
    def appended(self, events: Sequence[Event]) -> None:
        pass

    def delivered(self, source: str, latency_s: float | None = None) -> None:
        pass


class Bus:
    """Persists before fan-out (`emit`), and serves gap-free, duplicate-free subscriptions (`subscribe`)."""

    def __init__(self, store: Store, capacity: int = 2000, observer: BusObserver = _Unobserved()) -> None:
        self.store = store
        self.capacity = capacity
        self.observer = observer
        self._subscribers: dict[str, set[_Subscriber]] = defaultdict(set)

    async def emit(self, run_id: str, *events: Event) -> list[StoredEvent]:
        emitted_at = time.monotonic()  # before the write: a viewer waits for persistence too
        stored = await self.store.append(run_id, list(events), summary_change(events))
        self.observer.appended(events)
        for subscriber in tuple(self._subscribers.get(run_id, ())):
            for item in stored:
                subscriber.offer(_Live(item, emitted_at))
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
                    self.observer.delivered("store")
                    yield item
                    last = item.seq
                while True:
                    live = await subscriber.queue.get()
                    if live is _LAGGED or live.item.seq > last + 1:
                        break  # fell behind or saw a gap: catch up from the store
                    if live.item.seq == last + 1:
                        self.observer.delivered("live", time.monotonic() - live.emitted_at)
                        yield live.item
                        last = live.item.seq
        finally:
            self._subscribers[run_id].discard(subscriber)
            if not self._subscribers[run_id]:
                del self._subscribers[run_id]
