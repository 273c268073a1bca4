"""Client-side rate limits shared by every run of the process: requests and tokens per minute.

A call never fails for lack of capacity: it reserves what it needs at once and learns how long to wait. Reserving
into debt keeps callers in arrival order without a lock.
"""

import time


class TokenBucket:
    def __init__(self, per_minute: float) -> None:
        self.capacity = per_minute
        self.rate = per_minute / 60
        self.level = per_minute
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


class RateLimiter:
    def __init__(self, requests_per_minute: float, tokens_per_minute: float) -> None:
        self.requests = TokenBucket(requests_per_minute)
        self.tokens = TokenBucket(tokens_per_minute)

    def reserve(self, tokens: int) -> float:
        """Reserve one request and `tokens` tokens; returns the seconds to wait before sending it."""
        return max(self.requests.reserve(1), self.tokens.reserve(tokens))

    def refund(self, tokens: int) -> None:
        """Give back tokens reserved but not used, once the real usage is known."""
        if tokens > 0:
            self.tokens.refund(tokens)
