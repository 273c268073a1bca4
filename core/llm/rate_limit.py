"""The LLM client's rate limit, shared by every run of the process: requests and tokens per minute.

An LLM call never fails for lack of capacity: it reserves what it needs at once and learns how long to wait.
"""

from core.limits.buckets import TokenBucket


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
