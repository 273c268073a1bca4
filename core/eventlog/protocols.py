"""How a persisted event reaches the subscribers of its run: in this process (core.eventlog.bus.LocalFanout, the
embedded default) or in every process (core.eventlog.redis_fanout.RedisEventFanout, scaled)."""

from collections.abc import Sequence
from typing import Protocol

from core.domain.events import StoredEvent


class FanoutTarget(Protocol):
    """What a fan-out delivers to: the bus of its process."""

    def deliver(self, run_id: str, stored: Sequence[StoredEvent], emitted_at: float) -> None: ...

    def lagged(self) -> None: ...


class Fanout(Protocol):
    # A subscriber that heard nothing live for this many seconds re-reads the log, in case a message was lost on
    # the way (None: delivery cannot lose one).
    resync_s: float | None

    def attach(self, target: FanoutTarget) -> None: ...

    async def publish(self, run_id: str, stored: Sequence[StoredEvent], emitted_at: float) -> None: ...

    async def watch(self, run_id: str) -> None:
        """This process has a subscriber of the run now; returns once events published from now on will arrive."""

    def unwatch(self, run_id: str) -> None: ...
