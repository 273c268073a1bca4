"""The LLM client's rate limit, shared by every run of the process (and, when scaled, by every worker through
Redis): requests and tokens per minute.

An LLM call never fails for lack of capacity: it reserves what it needs at once and learns how long to wait.
"""

import logging

from core.limits.buckets import TokenBucket
from core.limits.shared import SharedBuckets

log = logging.getLogger("botarmy.llm")

REQUESTS, TOKENS = "llm:requests", "llm:tokens"


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


class SharedRateLimit:
    """The same limits drawn from buckets every worker shares (core.limits.redis_buckets), so two workers together
    send no more than one would; while those cannot be reached, this process's own limiter stands in."""

    def __init__(self, local: RateLimiter, requests_per_minute: float, tokens_per_minute: float,
                 shared: SharedBuckets | None = None) -> None:
        self.local, self.shared = local, shared
        self.requests_per_minute, self.tokens_per_minute = requests_per_minute, tokens_per_minute

    async def reserve(self, tokens: int) -> float:
        if self.shared is not None:
            try:
                return max(await self.shared.reserve(REQUESTS, self.requests_per_minute, 1),
                           await self.shared.reserve(TOKENS, self.tokens_per_minute, tokens))
            except Exception as error:  # noqa: BLE001 - Redis unreachable: this process's own limit holds
                log.warning("shared LLM rate limit unreachable (%s); using this process's", type(error).__name__)
        return self.local.reserve(tokens)

    async def refund(self, tokens: int) -> None:
        if self.shared is not None and tokens > 0:
            try:
                return await self.shared.refund(TOKENS, self.tokens_per_minute, tokens)
            except Exception:  # noqa: BLE001 - the reservation it would give back to was a local one
                pass
        self.local.refund(tokens)
