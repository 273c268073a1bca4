"""Failures of the AI service mapped to one plain sentence each; technical detail goes to the log only."""

import openai

CONFIGURATION = "AI service configuration needed. Please check setup."
CONNECTION = "Connection lost. Reconnecting automatically…"
MODEL_NOT_FOUND = "The configured AI model was not found. Please check setup."
CONTEXT_TOO_LONG = "The project is too large for the AI model's context. Try a shorter brief."
CONTENT_FILTERED = "The AI service declined to answer this brief. Try rephrasing it."
BUSY = "AI service is busy. Please try again in a moment."
UNKNOWN = "Something went wrong while talking to the AI service."


def friendly_message(error: BaseException) -> str:
    if isinstance(error, (openai.AuthenticationError, openai.PermissionDeniedError)):
        return CONFIGURATION
    if isinstance(error, openai.NotFoundError):
        return MODEL_NOT_FOUND
    if isinstance(error, openai.RateLimitError):
        return BUSY
    if isinstance(error, openai.BadRequestError):
        text = str(error).lower()
        if "context" in text or "maximum" in text:
            return CONTEXT_TOO_LONG
        if "content" in text and "filter" in text:
            return CONTENT_FILTERED
        return UNKNOWN
    if isinstance(error, (openai.APIConnectionError, openai.APITimeoutError, ConnectionError, TimeoutError)):
        return CONNECTION
    return UNKNOWN


def failure_sentence(agent_title: str, reason: str) -> str:
    return f"{agent_title} could not finish: {reason} Retry, or continue without it."
