"""The one LLM path: the openai SDK streaming chat completions from an OpenAI-compatible endpoint.

Every call goes through the process-wide rate limiter and the one retry policy. What the caller sees is a stream
of text deltas plus two kinds of notices: Waiting (a visible pause before sending or retrying) and Restart (the
partial answer streamed so far is void because the stream broke; a fresh attempt follows), and at the end the call's
Usage, the payload of the run's USAGE event, priced.
"""

import asyncio
import logging
import time
from collections.abc import AsyncIterator, Callable
from contextlib import aclosing
from dataclasses import dataclass

import openai
from openai import AsyncOpenAI, AsyncStream

from core.domain.custom import Usage
from core.domain.status import WaitKind
from core.limits.shared import SharedBuckets
from core.obs.metrics import Metrics
from core.settings import Settings

from .errors import (
    CallTimeout,
    ContentFiltered,
    FailureKind,
    FirstTokenTimeout,
    MalformedChunk,
    StreamCut,
    StreamStalled,
    classify,
)
from .prices import Prices
from .rate_limit import RateLimiter, SharedRateLimit
from .retry import Retrier, RetryPolicy

log = logging.getLogger("botarmy.llm")

# The offline demo model is served by this same server under this path.
DEMO_PATH = "/demo/v1"
DEMO_API_KEY = "offline-demo"
DEMO_MODEL = "botarmy-demo"
# Names the agent a call is for. Endpoints ignore it; the offline demo model answers as that agent.
AGENT_HEADER = "X-BotArmy-Agent"


@dataclass(frozen=True)
class Waiting:
    kind: WaitKind
    seconds: float
    attempt: int


@dataclass(frozen=True)
class Restart:
    kind: FailureKind  # why the partial answer was dropped


@dataclass(frozen=True)
class Timeouts:
    connect_s: float = 10
    first_token_s: float = 60
    stall_s: float = 30
    total_s: float = 600


@dataclass(frozen=True)
class Ceiling:
    """The most one call can take: its prompt and the longest answer allowed, and what they would cost."""

    tokens: int
    cost_usd: float


Chunk = str | Usage | Waiting | Restart
# One attempt at an answer, made another way than by this client's own chat completion: text deltas, then its Usage
# (priced by the client).
Source = Callable[[], AsyncIterator[str | Usage]]


def estimate_tokens(text: str) -> int:
    """Rough count for endpoints that send no usage chunk (about four characters a token)."""
    return max(1, len(text) // 4) if text else 0


def prompt_tokens(messages: list[dict]) -> int:
    return estimate_tokens("".join(message["content"] for message in messages))


def default_model(settings: Settings) -> str:
    """The model of every agent the settings name none for: the offline demo model's, or BOTARMY_MODEL."""
    return DEMO_MODEL if settings.offline_demo else settings.model


def estimated_usage(agent: str, messages: list[dict], answer: str) -> Usage:
    """The usage of a call whose service counted nothing, estimated from its prompt and its answer."""
    return Usage(agent=agent, prompt_tokens=prompt_tokens(messages), completion_tokens=estimate_tokens(answer),
                 estimated=True)


class LLM:
    def __init__(self, settings: Settings, metrics: Metrics | None = None,
                 shared_limits: SharedBuckets | None = None) -> None:
        self.metrics = metrics or Metrics()
        self.model = default_model(settings)
        if settings.offline_demo:
            base_url, api_key = f"http://{_loopback(settings.host)}:{settings.port}{DEMO_PATH}", DEMO_API_KEY
        else:
            base_url, api_key = settings.openai_base_url, settings.openai_api_key
        self.offline_demo = settings.offline_demo
        self.max_output_tokens = settings.max_output_tokens
        self.prices = Prices(settings.prices)
        self.timeouts = Timeouts(settings.llm_connect_timeout_s, settings.llm_first_token_timeout_s,
                                 settings.llm_stall_timeout_s, settings.llm_total_timeout_s)
        self.policy = RetryPolicy(settings.llm_max_attempts, settings.llm_max_retry_wait_s,
                                  settings.llm_backoff_initial_s, settings.llm_backoff_max_s)
        self.limiter = RateLimiter(settings.llm_requests_per_minute, settings.llm_tokens_per_minute)
        self.limits = SharedRateLimit(self.limiter, settings.llm_requests_per_minute, settings.llm_tokens_per_minute,
                                      shared_limits)
        self.client = AsyncOpenAI(
            api_key=api_key, base_url=base_url,
            timeout=openai.Timeout(self.timeouts.total_s, connect=self.timeouts.connect_s),
            max_retries=0,  # one retry policy, visible in events, not hidden in the SDK
            # The SDK's aiohttp transport: reading a streamed chunk costs it about half what httpx's layers do.
            http_client=openai.DefaultAioHttpClient(),
        )

    async def stream(self, messages: list[dict], *, model: str | None = None, agent: str = "", label: str = "",
                     source: Source | None = None) -> AsyncIterator[Chunk]:
        """Stream one answer of `agent` from `model` (None: the default model): deltas, then one Usage naming the
        model, priced at its rates; Waiting and Restart notices as they happen.

        Each attempt is a chat completion of `messages` streamed by this client, or, when an orchestrator brings its
        own way of calling the model (ControlFlow's agents call it through their own tools), one call of `source`;
        either way under the same rate limit, time limits and retry policy. Raises the last error when it is not
        transient or the retry policy gives up.
        """
        model = model or self.model
        reserved = self.ceiling(messages, model).tokens
        retrier = Retrier(self.policy)
        wait, kind = await self.limits.reserve(reserved), WaitKind.PACING
        while True:
            if wait > 0:
                self.metrics.llm_wait(kind, wait)
                yield Waiting(kind, wait, retrier.attempt)
                await asyncio.sleep(wait)
            streamed = False
            self.metrics.llm_requests.inc()
            try:
                attempt = self._completion(messages, agent, model) if source is None else source()
                async for chunk in self._timed(attempt):
                    if isinstance(chunk, Usage):
                        await self.limits.refund(reserved - chunk.prompt_tokens - chunk.completion_tokens)
                        chunk = chunk.model_copy(update={"model": model, "cost_usd": self.prices.cost(
                            model, chunk.prompt_tokens, chunk.completion_tokens, chunk.cached_tokens)})
                    else:
                        streamed = True
                    yield chunk
                return
            except Exception as error:  # classified below; anything unknown is final
                failure, attempt = classify(error), retrier.attempt
                delay = retrier.next_wait(error)
                self.metrics.llm_failure(failure.kind, retried=delay is not None)
                log.warning("LLM call %s attempt %d failed (%s: %s); %s", label, attempt,
                            type(error).__name__, error,
                            "giving up" if delay is None else f"retrying in {delay:.1f} s")
                if delay is None:
                    raise
                if streamed:
                    yield Restart(failure.kind)
                wait = max(delay, await self.limits.reserve(reserved))
                kind = WaitKind(failure.kind) if wait <= delay else WaitKind.PACING

    async def _timed(self, chunks: AsyncIterator[str | Usage]) -> AsyncIterator[str | Usage]:
        """One attempt within the call's time limits: to the first token, between tokens, and in total."""
        deadline = time.monotonic() + self.timeouts.total_s
        streamed = False
        # Leaving this block, for any reason including cancellation, closes the attempt (and its HTTP stream) at once.
        async with aclosing(chunks):
            while True:
                limit = self.timeouts.stall_s if streamed else self.timeouts.first_token_s
                async with _limit(limit, deadline, StreamStalled if streamed else FirstTokenTimeout):
                    chunk = await anext(chunks, None)
                if chunk is None:
                    return
                streamed = streamed or isinstance(chunk, str)
                yield chunk

    async def _completion(self, messages: list[dict], agent: str, model: str) -> AsyncIterator[str | Usage]:
        """One streamed chat completion: its text deltas, then its usage (with the prompt tokens the service read
        from its cache, when it says).

        The SDK sends the request and decodes the stream (its status errors, error events, timeouts and [DONE] as
        ever), but hands each chunk over as the JSON object it is: building a typed ChatCompletionChunk per chunk was
        half the CPU the SDK spends on a streamed token (a chunk is read for three fields here)."""
        stream = await self.client.post(
            "/chat/completions", cast_to=object, stream=True, stream_cls=AsyncStream[object],
            body={"model": model, "stream": True, "messages": messages, "max_tokens": self.max_output_tokens,
                  "stream_options": {"include_usage": True}},  # the bytes chat.completions.create sends
            options={"headers": {AGENT_HEADER: agent}} if agent else {})
        usage, finished, pieces = None, False, []
        async with stream:
            async for chunk in stream:
                counted, choices = _read(chunk)
                if counted is not None:
                    usage = Usage(agent=agent, **counted)
                for reason, content in choices:
                    if reason == "content_filter":
                        raise ContentFiltered()
                    finished = finished or reason is not None
                    if content:
                        pieces.append(content)
                        yield content
        if not finished:
            raise StreamCut()
        yield usage or estimated_usage(agent, messages, "".join(pieces))

    def ceiling(self, messages: list[dict], model: str | None = None) -> Ceiling:
        """The most one call of `model` with these messages can take, none of its prompt cached: what the rate limit
        reserves, and what a run's budgets check before the call."""
        prompt = prompt_tokens(messages)
        return Ceiling(prompt + self.max_output_tokens,
                       self.prices.cost(model or self.model, prompt, self.max_output_tokens))

    async def close(self) -> None:
        await self.client.close()


class _limit:
    """asyncio.timeout for one await, bounded by the call's total deadline, raising a named error."""

    def __init__(self, seconds: float, deadline: float, error: type[Exception]) -> None:
        self.seconds = min(seconds, deadline - time.monotonic())
        self.error = CallTimeout if self.seconds < seconds else error
        self.timeout = asyncio.timeout(max(0.0, self.seconds))

    async def __aenter__(self) -> None:
        await self.timeout.__aenter__()

    async def __aexit__(self, exc_type, exc, tb) -> bool:
        try:
            await self.timeout.__aexit__(exc_type, exc, tb)
        except TimeoutError as timeout:
            raise self.error() from timeout
        return False


def _loopback(host: str) -> str:
    return "127.0.0.1" if host in {"0.0.0.0", "::", ""} else host


def _read(chunk: object) -> tuple[dict | None, list[tuple[str | None, str | None]]]:
    """A chunk's token counts (Usage's fields), and each choice's finish reason and text. The endpoint is not trusted
    to send the shape it should: anything else is a MalformedChunk, a garbled answer worth another try."""
    try:
        counted = chunk.get("usage")
        if counted is not None:
            details = counted.get("prompt_tokens_details") or {}
            counted = {"prompt_tokens": int(counted["prompt_tokens"]),
                       "completion_tokens": int(counted["completion_tokens"]),
                       "cached_tokens": int(details.get("cached_tokens") or 0)}
        choices = [(choice.get("finish_reason"), (choice.get("delta") or {}).get("content"))
                   for choice in chunk.get("choices") or ()]
    except (AttributeError, KeyError, TypeError, ValueError) as error:
        raise MalformedChunk() from error
    if any(not isinstance(content, str | None) or not isinstance(reason, str | None) for reason, content in choices):
        raise MalformedChunk()
    return counted, choices
