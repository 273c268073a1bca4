"""The one LLM path: the openai SDK streaming chat completions from an OpenAI-compatible endpoint."""

from collections.abc import AsyncIterator
from dataclasses import dataclass

import openai
from openai import AsyncOpenAI

from .settings import Settings

# The offline demo model is served by this same server under this path.
DEMO_PATH = "/demo/v1"
DEMO_API_KEY = "offline-demo"
DEMO_MODEL = "botarmy-demo"


@dataclass(frozen=True)
class Usage:
    prompt_tokens: int
    completion_tokens: int
    estimated: bool


def estimate_tokens(text: str) -> int:
    """Rough count for endpoints that send no usage chunk (about four characters a token)."""
    return max(1, len(text) // 4) if text else 0


class LLM:
    def __init__(self, settings: Settings) -> None:
        if settings.offline_demo:
            base_url = f"http://{_loopback(settings.host)}:{settings.port}{DEMO_PATH}"
            api_key, self.model = DEMO_API_KEY, DEMO_MODEL
        else:
            base_url, api_key, self.model = settings.openai_base_url, settings.openai_api_key, settings.model
        self.offline_demo = settings.offline_demo
        self.client = AsyncOpenAI(
            api_key=api_key, base_url=base_url,
            timeout=openai.Timeout(120.0, connect=10.0),
            max_retries=0,  # retries belong to one visible policy, not hidden in the SDK
        )

    async def stream(self, messages: list[dict]) -> AsyncIterator[str | Usage]:
        """Yield text deltas as they arrive, then one Usage (reported by the endpoint, or estimated)."""
        stream = await self.client.chat.completions.create(
            model=self.model, messages=messages, stream=True, stream_options={"include_usage": True})
        usage = None
        streamed: list[str] = []
        async with stream:
            async for chunk in stream:
                if chunk.usage is not None:
                    usage = Usage(chunk.usage.prompt_tokens, chunk.usage.completion_tokens, estimated=False)
                for choice in chunk.choices:
                    if choice.delta and choice.delta.content:
                        streamed.append(choice.delta.content)
                        yield choice.delta.content
        yield usage or Usage(
            estimate_tokens("".join(m["content"] for m in messages)), estimate_tokens("".join(streamed)), True)

    async def close(self) -> None:
        await self.client.close()


def _loopback(host: str) -> str:
    return "127.0.0.1" if host in {"0.0.0.0", "::", ""} else host
