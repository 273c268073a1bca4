"""Fan-out of persisted events: every subscriber reads from a sequence number, replay then live.

How an event reaches the subscribers is the bus's Fanout (core.eventlog.protocols): in this process by default
(LocalFanout), or through Redis to every process (core.eventlog.redis_fanout). Either way a subscriber trusts only the
event log (core.storage.event_log) for completeness: a gap, a lag or a lost message sends it back to the log.
"""

import asyncio
import time
from collections import defaultdict
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import nullcontext
from typing import NamedTuple, Protocol

from core.domain.events import Event, StoredEvent
from core.domain.fold import summary_change

from core.storage.event_log import EventLog

from .protocols import Fanout, FanoutTarget

# Marker put in a subscriber's queue when it fell too far behind: it re-reads from the store instead.
_LAGGED = None


class _Live(NamedTuple):
    item: StoredEvent
    emitted_at: float  # time.time() when emit was called, in whichever process: where delivery latency starts


class _Subscriber:
    def __init__(self, capacity: int) -> None:
        self.queue: asyncio.Queue[_Live | None] = asyncio.Queue(maxsize=capacity)

    def offer(self, item: _Live | None) -> None:
        """Never blocks the publisher: a full queue is dropped and replaced by a catch-up marker."""
        try:
            self.queue.put_nowait(item)
        except asyncio.QueueFull:
            while not self.queue.empty():
                self.queue.get_nowait()
            self.queue.put_nowait(_LAGGED)


Tap = Callable[[str, Sequence[StoredEvent]], None]  # (run_id, events just persisted, in order)


class BusObserver(Protocol):
    """What the bus reports, for metrics: the events appended, and events handed to viewers (from the store or
    live, with the seconds from emit to hand-over for live ones)."""

    def appended(self, events: Sequence[Event]) -> None: ...

    def delivered(self, source: str, latency_s: float | None = None) -> None: ...


class LocalFanout:
    """Subscribers in this process only: a hand-over cannot be lost."""

    resync_s = None

    def attach(self, target: FanoutTarget) -> None:
        self._target = target

    async def publish(self, run_id: str, stored: Sequence[StoredEvent], emitted_at: float) -> None:
        self._target.deliver(run_id, stored, emitted_at)

    async def watch(self, run_id: str) -> None:
        pass

    def unwatch(self, run_id: str) -> None:
        pass


class Bus:
    """Persists before fan-out (`emit`), and serves gap-free, duplicate-free subscriptions (`subscribe`)."""

    def __init__(self, log: EventLog, capacity: int = 2000, observer: BusObserver | None = None,
                 fanout: Fanout | None = None) -> None:
        self.log = log
        self.capacity = capacity
        self.observer = observer
        self.fanout = fanout or LocalFanout()
        self.fanout.attach(self)
        self._subscribers: dict[str, set[_Subscriber]] = defaultdict(set)
        self._taps: list[Tap] = []

    def tap(self, tap: Tap) -> None:
        """Hand every event this process persists or is handed to `tap` as well, synchronously, before the
        subscribers (some twice: a tap ignores what it has): for what keeps a process's views current
        (core.engine.views)."""
        self._taps.append(tap)

    async def emit(self, run_id: str, *events: Event) -> list[StoredEvent]:
        emitted_at = time.time()  # before the write: a viewer waits for persistence too
        stored = await self.log.append(run_id, list(events), summary_change(events))
        if self.observer is not None:
            self.observer.appended(events)
        for tap in self._taps:  # at once, whichever fan-out: the fan-out's hand-over may come later or not at all
            tap(run_id, stored)
        await self.fanout.publish(run_id, stored, emitted_at)
        return stored

    def deliver(self, run_id: str, stored: Sequence[StoredEvent], emitted_at: float) -> None:
        """Hand persisted events to this process's taps and subscribers of the run (called by the fan-out)."""
        for tap in self._taps:
            tap(run_id, stored)
        for subscriber in tuple(self._subscribers.get(run_id, ())):
            for item in stored:
                subscriber.offer(_Live(item, emitted_at))

    def lagged(self) -> None:
        """Live delivery may have lost events (the fan-out reconnected): every subscriber re-reads the store."""
        for subscribers in tuple(self._subscribers.values()):
            for subscriber in tuple(subscribers):
                subscriber.offer(_LAGGED)

    def subscriber_count(self, run_id: str) -> int:
        return len(self._subscribers.get(run_id, ()))

    async def subscribe(self, run_id: str, after_seq: int = 0) -> AsyncIterator[StoredEvent]:
        """Yield every event with seq > after_seq, in order, exactly once, then follow the run live."""
        subscriber = _Subscriber(self.capacity)
        # Registered (and watched) before reading the log, so nothing persisted in between is missed; duplicates
        # drop by seq.
        first = not self._subscribers.get(run_id)
        self._subscribers[run_id].add(subscriber)
        last = after_seq
        try:
            if first:
                await self.fanout.watch(run_id)
            while True:
                for item in await self.log.read(run_id, last):
                    if self.observer is not None:
                        self.observer.delivered("store")
                    yield item
                    last = item.seq
                while True:
                    try:
                        # Across processes a message can be lost: quiet for too long, the store is asked again.
                        resync = self.fanout.resync_s
                        async with asyncio.timeout(resync) if resync else nullcontext():
                            live = await subscriber.queue.get()
                    except TimeoutError:
                        break
                    if live is _LAGGED or live.item.seq > last + 1:
                        break  # fell behind or saw a gap: catch up from the store
                    if live.item.seq == last + 1:
                        if self.observer is not None:
                            self.observer.delivered("live", max(0.0, time.time() - live.emitted_at))
                        yield live.item
                        last = live.item.seq
        finally:
            self._subscribers[run_id].discard(subscriber)
            if not self._subscribers[run_id]:
                del self._subscribers[run_id]
                self.fanout.unwatch(run_id)
