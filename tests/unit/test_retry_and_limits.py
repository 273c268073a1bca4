import pytest

from core.llm.errors import StreamCut, retry_after, wait_message
from core.llm.rate_limit import RateLimiter
from core.limits.buckets import TokenBucket
from core.llm.retry import Retrier, RetryPolicy


def test_retry_after_headers_in_all_their_forms():
    assert retry_after({"retry-after-ms": "1500"}) == 1.5
    assert retry_after({"retry-after": "3"}) == 3.0
    assert 0 <= retry_after({"retry-after": "Wed, 21 Oct 2015 07:28:00 GMT"}) < 1  # a date in the past: now
    assert retry_after({"x-ratelimit-reset-tokens": "6m0s", "x-ratelimit-reset-requests": "20ms"},
                       rate_limited=True) == 360.0
    assert retry_after({"x-ratelimit-reset-tokens": "6m0s"}) is None  # only a 429 waits for a reset
    assert retry_after({"retry-after": "soon"}) is None
    assert retry_after({}) is None


def test_backoff_grows_and_stops_at_the_attempt_limit():
    retrier = Retrier(RetryPolicy(max_attempts=4, max_total_wait_s=1000, backoff_initial_s=1, backoff_max_s=30))
    waits = [retrier.next_wait(StreamCut()) for _ in range(4)]
    assert all(w is not None for w in waits[:3]) and waits[3] is None
    assert 1 <= waits[0] <= 2 and waits[0] < waits[2] <= 5


def test_total_wait_is_bounded():
    retrier = Retrier(RetryPolicy(max_attempts=100, max_total_wait_s=5, backoff_initial_s=2, backoff_max_s=2))
    waits = []
    while (wait := retrier.next_wait(StreamCut())) is not None:
        waits.append(wait)
    assert sum(waits) <= 5 and len(waits) >= 1


def test_unknown_errors_are_not_retried():
    assert Retrier(RetryPolicy()).next_wait(RuntimeError("bug")) is None


def test_token_bucket_waits_instead_of_failing_and_queues_callers_in_order():
    bucket = TokenBucket(per_minute=60)  # one a second
    assert bucket.reserve(60) == 0
    first, second = bucket.reserve(1), bucket.reserve(1)
    assert first == pytest.approx(1, abs=0.05) and second == pytest.approx(2, abs=0.05)


def test_token_bucket_with_a_small_burst_refuses_the_excess_without_debt(monkeypatch):
    now = [1000.0]
    monkeypatch.setattr("core.limits.buckets.time.monotonic", lambda: now[0])
    bucket = TokenBucket(per_minute=600, capacity=30)  # ten a second, a burst of three seconds' worth
    assert sum(bucket.take() == 0 for _ in range(100)) == 30
    now[0] += 0.5
    assert sum(bucket.take() == 0 for _ in range(100)) == 5  # refused calls took nothing
    now[0] += 60
    assert sum(bucket.take() == 0 for _ in range(100)) == 30  # never more than the burst


def test_rate_limiter_takes_the_tighter_of_requests_and_tokens_and_refunds_unused_tokens():
    limiter = RateLimiter(requests_per_minute=600, tokens_per_minute=6000)
    assert limiter.reserve(6000) == 0
    assert limiter.reserve(100) == pytest.approx(1, abs=0.05)  # 100 tokens at 100/s
    limiter.refund(6000)
    assert limiter.reserve(100) == 0


def test_wait_messages_count_down_in_whole_seconds():
    assert wait_message("rate_limited", 11.6) == "AI service is busy. Retrying in 12 s…"
    assert wait_message("connection", -1) == "Connection lost. Reconnecting automatically in 0 s…"
