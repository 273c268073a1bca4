"""The one retry policy of LLM calls, built from tenacity's strategies.

The loop that waits belongs to the caller, so that every wait can be shown as a live state before it happens.
"""

from dataclasses import dataclass

from tenacity import (
    RetryCallState,
    retry_if_exception,
    stop_after_attempt,
    wait_exponential_jitter,
)
from tenacity.stop import stop_base

from .errors import classify


@dataclass(frozen=True)
class RetryPolicy:
    max_attempts: int = 6
    max_total_wait_s: float = 180
    backoff_initial_s: float = 1.0
    backoff_max_s: float = 30


class _stop_after_total_wait(stop_base):
    """Stop when the next wait would take the total time spent waiting past the bound."""

    def __init__(self, max_total_wait_s: float) -> None:
        self.max_total_wait_s = max_total_wait_s

    def __call__(self, retry_state: RetryCallState) -> bool:
        return retry_state.idle_for + retry_state.upcoming_sleep > self.max_total_wait_s


class Retrier:
    """Bookkeeping of one call's attempts: after each failure, how long to wait before the next, or give up."""

    def __init__(self, policy: RetryPolicy) -> None:
        self._state = RetryCallState(retry_object=None, fn=None, args=(), kwargs={})
        self._retry = retry_if_exception(lambda error: classify(error).transient)
        self._backoff = wait_exponential_jitter(
            multiplier=policy.backoff_initial_s, max=policy.backoff_max_s, jitter=policy.backoff_initial_s)
        self._stop = stop_after_attempt(policy.max_attempts) | _stop_after_total_wait(policy.max_total_wait_s)

    @property
    def attempt(self) -> int:
        return self._state.attempt_number

    def next_wait(self, error: BaseException) -> float | None:
        """Seconds to wait before the next attempt (the service's own hint wins), or None to give up."""
        state = self._state
        state.set_exception((type(error), error, error.__traceback__))
        if not self._retry(state):
            return None
        hint = classify(error).retry_after_s
        state.upcoming_sleep = hint if hint is not None else self._backoff(state)
        if self._stop(state):
            return None
        state.idle_for += state.upcoming_sleep
        state.prepare_for_next_attempt()
        return state.upcoming_sleep
