"""Token buckets: the building block of every rate limit in the process — the LLM client's (which reserves into
debt and waits, so callers keep their arrival order without a lock) and the per-user and per-socket ones that
refuse what goes beyond them."""

import time


class TokenBucket:
    def __init__(self, per_minute: float, capacity: float | None = None) -> None:
        """Full at the start; `capacity` (the burst) defaults to a minute's worth."""
        self.capacity = per_minute if capacity is None else capacity
        self.rate = per_minute / 60
        self.level = self.capacity
        self.stamp = time.monotonic()

    def _refill(self) -> None:
        now = time.monotonic()
        self.level = min(self.capacity, self.level + (now - self.stamp) * self.rate)
        self.stamp = now

    def reserve(self, amount: float) -> float:
        """Take `amount` now; returns the seconds until the bucket has really covered it."""
        self._refill()
        self.level -= amount
        return max(0.0, -self.level / self.rate)

    def refund(self, amount: float) -> None:
        self._refill()
        self.level = min(self.capacity, self.level + amount)

    def take(self, amount: float = 1) -> float:
        """Take `amount` if the bucket holds it (0.0), else take nothing and say how many seconds until it will."""
        self._refill()
        if self.level >= amount:
            self.level -= amount
            return 0.0
        return (amount - self.level) / self.rate

    def take_up_to(self, amount: float) -> float:
        """Take as much of `amount` as the bucket holds; how much that was."""
        self._refill()
        taken = min(amount, max(0.0, self.level))
        self.level -= taken
        return taken

    @property
    def full(self) -> bool:
        self._refill()
        return self.level >= self.capacity


class PerKeyLimiter:
    """A bucket of `per_minute` for each key (a user, a socket); full buckets are forgotten, so memory stays bounded
    by the keys that are active."""

    def __init__(self, per_minute: float, forget_above: int = 1000) -> None:
        self.per_minute = per_minute
        self.forget_above = forget_above
        self._buckets: dict[str, TokenBucket] = {}

    def take(self, key: str) -> float:
        """0.0 when allowed; else the seconds until the key may go again."""
        if len(self._buckets) > self.forget_above:
            self._buckets = {k: bucket for k, bucket in self._buckets.items() if not bucket.full}
        return self._buckets.setdefault(key, TokenBucket(self.per_minute)).take()
