"""Redis between processes: live events of runs to every web instance that watches them, commands (signals) to the
worker that holds a run, and wake-ups for idle workers. Redis stores nothing here: PostgreSQL holds every event and
every command, and Redis only makes them arrive at once.

Pub/sub delivers at most once, so a process that loses its Redis connection tells its bus when it is back (`lagged`):
every subscriber re-reads the log from its last sequence number, exactly as after a gap. While Redis is down,
publishing is skipped (the events are persisted already) and viewers re-read the log on their own (`resync_s`).
"""

import asyncio
import json
import logging
import time
from collections.abc import Callable, Sequence

import redis.asyncio as redis
from redis.exceptions import RedisError

from core.domain.events import StoredEvent, parse_event

from .protocols import FanoutTarget

log = logging.getLogger("botarmy.redis")

PREFIX = "botarmy"
RETRY_AFTER_S = 1.0  # after a failed call, calls are skipped this long instead of each waiting for a timeout
SUBSCRIBE_WAIT_S = 2.0

Handler = Callable[[str, bytes], None]  # (channel, data)


class RedisHub:
    """One process's Redis: a client for commands and one pub/sub connection that a single task reads, re-made
    with everything it listened to whenever it breaks."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.client = redis.from_url(url, socket_connect_timeout=2, socket_timeout=5, health_check_interval=10)
        self._channels: dict[str, Handler] = {}
        self._patterns: dict[str, Handler] = {}
        self._confirmed: dict[str, asyncio.Event] = {}
        self._reconnected: list[Callable[[], None]] = []
        self._pubsub: redis.client.PubSub | None = None
        self._reader: asyncio.Task | None = None
        self._unsubscribing: set[asyncio.Task] = set()
        self._down_until = 0.0
        self.up = False

    def on_reconnect(self, callback: Callable[[], None]) -> None:
        """`callback` runs each time the pub/sub connection is back after a break: messages may have been lost."""
        self._reconnected.append(callback)

    async def publish(self, channel: str, data: str | bytes) -> int:
        """Receivers that got it; 0 when Redis is unreachable (logged once per outage, never raised)."""
        if time.monotonic() < self._down_until:
            return 0
        try:
            return await self.client.publish(channel, data)
        except (RedisError, OSError) as error:
            self._failed(error)
            return 0

    def _failed(self, error: Exception) -> None:
        if time.monotonic() >= self._down_until:
            log.warning("Redis unreachable (%s); live delivery falls back to reading the log", type(error).__name__)
        self._down_until = time.monotonic() + RETRY_AFTER_S

    async def ping(self) -> bool:
        try:
            return bool(await asyncio.wait_for(self.client.ping(), 2))
        except (RedisError, OSError, asyncio.TimeoutError):
            return False

    async def listen(self, channel: str, handler: Handler) -> None:
        """Call `handler` with every message on `channel`; returns once Redis confirmed the subscription (or after a
        short wait when it is unreachable: the reader subscribes again when it is back)."""
        self._channels[channel] = handler
        confirmed = self._confirmed.setdefault(channel, asyncio.Event())
        self._start()
        await self._command("subscribe", channel)
        try:  # while Redis is known to be down, nobody waits long: the log is read instead
            await asyncio.wait_for(confirmed.wait(), SUBSCRIBE_WAIT_S if self.up else SUBSCRIBE_WAIT_S / 4)
        except asyncio.TimeoutError:
            pass

    async def listen_pattern(self, pattern: str, handler: Handler) -> None:
        self._patterns[pattern] = handler
        self._start()
        await self._command("psubscribe", pattern)

    def unlisten(self, channel: str) -> None:
        self._channels.pop(channel, None)
        self._confirmed.pop(channel, None)
        if self._pubsub is not None and self.up:
            task = asyncio.get_running_loop().create_task(self._unsubscribe(channel))
            self._unsubscribing.add(task)  # kept until done, so it is not collected half-way
            task.add_done_callback(self._unsubscribing.discard)

    async def _unsubscribe(self, channel: str) -> None:
        if channel not in self._channels:
            await self._command("unsubscribe", channel)

    async def _command(self, name: str, channel: str) -> None:
        """(p)(un)subscribe on the pub/sub connection, if there is one now (the reader redoes it when it reconnects)."""
        if self._pubsub is not None:
            try:
                await getattr(self._pubsub, name)(channel)
            except (RedisError, OSError) as error:
                self._failed(error)

    def _start(self) -> None:
        if self._reader is None:
            self._reader = asyncio.get_running_loop().create_task(self._read(), name="redis-pubsub")

    async def _read(self) -> None:
        broken = False
        while True:
            pubsub = self.client.pubsub()
            try:
                subscribed = set(self._channels)
                await pubsub.subscribe(f"{PREFIX}:hello", *subscribed)
                if self._patterns:
                    await pubsub.psubscribe(*self._patterns)
                self._pubsub = pubsub
                if added := set(self._channels) - subscribed:  # listened to while the reader subscribed
                    await pubsub.subscribe(*added)
                async for message in pubsub.listen():
                    self._dispatch(message)
                    if not self.up:
                        self.up = True
                        if broken:
                            log.info("Redis reachable again; viewers catch up from the log")
                            for callback in self._reconnected:
                                callback()
            except asyncio.CancelledError:
                await pubsub.aclose()
                raise
            except (RedisError, OSError) as error:
                self._failed(error)
                broken, self.up, self._pubsub = True, False, None
                for confirmed in self._confirmed.values():
                    confirmed.clear()
                await pubsub.aclose()
                await asyncio.sleep(RETRY_AFTER_S / 4)

    def _dispatch(self, message: dict) -> None:
        kind, channel = message["type"], _text(message["channel"])
        if kind == "subscribe" and channel in self._confirmed:
            self._confirmed[channel].set()
        elif kind == "message" and channel in self._channels:
            self._call(self._channels[channel], channel, message["data"])
        elif kind == "pmessage" and (handler := self._patterns.get(_text(message["pattern"]))):
            self._call(handler, channel, message["data"])

    @staticmethod
    def _call(handler: Handler, channel: str, data: bytes) -> None:
        try:
            handler(channel, data)
        except Exception:  # noqa: BLE001 - one bad message must not stop the reader
            log.exception("a message on %s could not be handled", channel)

    async def close(self) -> None:
        if self._reader is not None:
            self._reader.cancel()
            await asyncio.gather(self._reader, return_exceptions=True)
        await self.client.aclose()


def _text(value: bytes | str) -> str:
    return value.decode() if isinstance(value, bytes) else value


def run_channel(run_id: str) -> str:
    return f"{PREFIX}:run:{run_id}"


class RedisEventFanout:
    """The bus's fan-out across processes: an appended event goes to every process whose viewers watch its run."""

    resync_s = 2.0

    def __init__(self, hub: RedisHub) -> None:
        self.hub = hub
        self._target: FanoutTarget | None = None

    def attach(self, target: FanoutTarget) -> None:
        self._target = target
        self.hub.on_reconnect(target.lagged)

    async def publish(self, run_id: str, stored: Sequence[StoredEvent], emitted_at: float) -> None:
        message = json.dumps({"at": emitted_at, "events": [[item.seq, item.event_json()] for item in stored]})
        await self.hub.publish(run_channel(run_id), message)

    async def watch(self, run_id: str) -> None:
        await self.hub.listen(run_channel(run_id), self._received)

    def unwatch(self, run_id: str) -> None:
        self.hub.unlisten(run_channel(run_id))

    def _received(self, channel: str, data: bytes) -> None:
        run_id = channel.removeprefix(run_channel(""))
        message = json.loads(data)
        stored = [StoredEvent(run_id=run_id, seq=seq, event=parse_event(payload)) for seq, payload in message["events"]]
        self._target.deliver(run_id, stored, message["at"])
