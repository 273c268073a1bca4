"""Limits that hold across processes when scaled, and per process otherwise.

SharedBuckets is the interface of token buckets that every process sees (core.limits.redis_buckets keeps them in
Redis). PerKeyLimit is a per-user (or per-anything) limit on them, or on this process's own buckets without them.
"""

import logging
from typing import Protocol

from .buckets import PerKeyLimiter

log = logging.getLogger("botarmy.limits")


class SharedBuckets(Protocol):
    """Token buckets named by key, refilled at `per_minute` and full at the start (a minute's worth)."""

    async def take(self, key: str, per_minute: float, amount: float = 1) -> float:
        """Take `amount` if the bucket holds it (0.0), else nothing and the seconds until it will."""

    async def reserve(self, key: str, per_minute: float, amount: float) -> float:
        """Take `amount` now, into debt if need be; the seconds until the bucket really covered it."""

    async def refund(self, key: str, per_minute: float, amount: float) -> None: ...


class PerKeyLimit:
    """`per_minute` per key. With shared buckets, every process draws from the same ones; when they cannot be
    reached, this process's own buckets stand in, so a limit degrades to per-process instead of failing."""

    def __init__(self, name: str, per_minute: float, shared: SharedBuckets | None = None) -> None:
        self.name, self.per_minute, self.shared = name, per_minute, shared
        self._local = PerKeyLimiter(per_minute)

    async def take(self, key: str) -> float:
        """0.0 when allowed; else the seconds until the key may go again."""
        if self.shared is not None:
            try:
                return await self.shared.take(f"{self.name}:{key}", self.per_minute)
            except Exception as error:  # noqa: BLE001 - Redis unreachable: this process's own limit holds
                log.warning("shared limit %s unreachable (%s); using this process's", self.name, type(error).__name__)
        return self._local.take(key)
