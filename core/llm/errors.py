"""Every failure of the AI service, classified: transient or not, and the one plain sentence a user reads.

Technical detail (status codes, SDK classes, raw messages) goes to the server log only.
"""

import email.utils
import json
import re
import time
from dataclasses import dataclass
from enum import StrEnum

import openai

from core.domain.status import WaitKind

CONFIGURATION = "AI service configuration needed. Please check setup."
QUOTA = "The AI service account has run out of credit. Please check its plan and billing."
MODEL_NOT_FOUND = "The configured AI model was not found. Please check setup."
CONTEXT_TOO_LONG = "The project is too large for the AI model's context. Try a shorter brief."
CONTENT_FILTERED = "The AI service declined to answer this brief. Try rephrasing it."
BUSY = "AI service is busy and did not recover in time."
CONNECTION_GAVE_UP = "The AI service could not be reached."
SERVICE_ERROR = "The AI service kept failing."
NOT_FINISHED = "The AI model stopped without finishing its task."
UNKNOWN = "Something went wrong while talking to the AI service."

# Visible waits, with a live countdown: a state, never an error.
_WAITS = {
    WaitKind.RATE_LIMITED: "AI service is busy. Retrying in {seconds} s…",
    WaitKind.SERVICE_ERROR: "AI service hiccup. Retrying in {seconds} s…",
    WaitKind.CONNECTION: "Connection lost. Reconnecting automatically in {seconds} s…",
    WaitKind.PACING: "Keeping within the AI service's rate limit. Continuing in {seconds} s…",
}


class FailureKind(StrEnum):
    """What went wrong with a call; the transient kinds are retried after a visible wait of the same name."""

    CONFIGURATION = "configuration"
    QUOTA = "quota"
    MODEL_NOT_FOUND = "model_not_found"
    RATE_LIMITED = WaitKind.RATE_LIMITED.value
    SERVICE_ERROR = WaitKind.SERVICE_ERROR.value
    CONNECTION = WaitKind.CONNECTION.value
    CONTEXT_TOO_LONG = "context_too_long"
    CONTENT_FILTERED = "content_filtered"
    INVALID_REQUEST = "invalid_request"
    NOT_FINISHED = "not_finished"
    UNKNOWN = "unknown"


class StreamCut(Exception):
    """The stream ended before the model said it had finished."""


class FirstTokenTimeout(Exception):
    """The model sent nothing within the time-to-first-token limit."""


class StreamStalled(Exception):
    """The model stopped sending in the middle of an answer."""


class CallTimeout(Exception):
    """One call took longer than its total time limit."""


class ContentFiltered(Exception):
    """The service stopped the answer with finish_reason content_filter."""


class MalformedChunk(Exception):
    """A streamed chunk that is JSON but not the object a chat completion chunk is (its choices, delta, usage)."""


class NotFinished(Exception):
    """The model ended its turns without marking its task done (an orchestrator's completion tool was never called,
    or the model reported that it could not do the task)."""


@dataclass(frozen=True)
class Failure:
    kind: FailureKind
    transient: bool
    message: str  # the sentence for the user when this failure is final
    retry_after_s: float | None = None


def classify(error: BaseException) -> Failure:
    if isinstance(error, (openai.AuthenticationError, openai.PermissionDeniedError)):
        return Failure(FailureKind.CONFIGURATION, False, CONFIGURATION)
    if isinstance(error, openai.NotFoundError):
        return Failure(FailureKind.MODEL_NOT_FOUND, False, MODEL_NOT_FOUND)
    if isinstance(error, openai.RateLimitError):
        if _code(error) == "insufficient_quota":
            return Failure(FailureKind.QUOTA, False, QUOTA)
        return Failure(FailureKind.RATE_LIMITED, True, BUSY, retry_after(error.response.headers, rate_limited=True))
    if isinstance(error, openai.APIStatusError):
        status = error.status_code
        if status in {408, 409} or status >= 500:
            return Failure(FailureKind.SERVICE_ERROR, True, SERVICE_ERROR, retry_after(error.response.headers))
        if _code(error) == "context_length_exceeded" or "maximum context length" in str(error.message):
            return Failure(FailureKind.CONTEXT_TOO_LONG, False, CONTEXT_TOO_LONG)
        if _code(error) == "content_filter":
            return Failure(FailureKind.CONTENT_FILTERED, False, CONTENT_FILTERED)
        return Failure(FailureKind.INVALID_REQUEST, False, UNKNOWN)
    if isinstance(error, ContentFiltered):
        return Failure(FailureKind.CONTENT_FILTERED, False, CONTENT_FILTERED)
    if isinstance(error, NotFinished):
        return Failure(FailureKind.NOT_FINISHED, False, NOT_FINISHED)
    if isinstance(error, (openai.APIConnectionError, StreamCut, FirstTokenTimeout, StreamStalled, CallTimeout,
                          ConnectionError, TimeoutError)):
        return Failure(FailureKind.CONNECTION, True, CONNECTION_GAVE_UP)
    if isinstance(error, (openai.APIResponseValidationError, json.JSONDecodeError, MalformedChunk, openai.APIError)):
        return Failure(FailureKind.SERVICE_ERROR, True, SERVICE_ERROR)  # a garbled answer: worth another try
    return Failure(FailureKind.UNKNOWN, False, UNKNOWN)


def _code(error: openai.APIStatusError) -> str | None:
    return getattr(error, "code", None)


def retry_after(headers, *, rate_limited: bool = False) -> float | None:
    """Seconds the service asked us to wait: retry-after-ms, retry-after (seconds or a date), x-ratelimit-reset-*."""
    if value := headers.get("retry-after-ms"):
        try:
            return max(0.0, float(value) / 1000)
        except ValueError:
            pass
    if value := headers.get("retry-after"):
        try:
            return max(0.0, float(value))
        except ValueError:
            try:
                return max(0.0, email.utils.parsedate_to_datetime(value).timestamp() - time.time())
            except (TypeError, ValueError):
                pass
    if rate_limited:
        resets = [_duration(headers.get(name)) for name in ("x-ratelimit-reset-requests", "x-ratelimit-reset-tokens")]
        resets = [reset for reset in resets if reset is not None]
        if resets:
            return max(resets)
    return None


_DURATION_PART = re.compile(r"(\d+(?:\.\d+)?)(ms|s|m|h)")
_UNIT_SECONDS = {"ms": 0.001, "s": 1, "m": 60, "h": 3600}


def _duration(value: str | None) -> float | None:
    """OpenAI's reset headers look like '1s', '6m0s' or '20ms'."""
    if not value:
        return None
    parts = _DURATION_PART.findall(value)
    if not parts or "".join(n + u for n, u in parts) != value.strip():
        return None
    return sum(float(number) * _UNIT_SECONDS[unit] for number, unit in parts)


def wait_message(kind: WaitKind, seconds: float) -> str:
    return _WAITS[kind].format(seconds=max(0, round(seconds)))


def failure_sentence(agent_title: str, reason: str) -> str:
    return f"{agent_title} could not finish: {reason} Retry, or continue without it."
