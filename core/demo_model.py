"""The offline demo model: an OpenAI-compatible chat completions endpoint served inside the app itself.

It reads the role from the system prompt ("You are the Analyst…"), the brief from <brief>…</brief> and reviewer
feedback from <feedback>…</feedback>, and streams a deterministic answer word by word.
"""

import asyncio
import json
import re
import time
from collections.abc import AsyncIterator

from fastapi import APIRouter
from fastapi.responses import JSONResponse, StreamingResponse
from pydantic import BaseModel, ConfigDict

from .demo_content import ROLES, demo_answer
from .llm import DEMO_MODEL, estimate_tokens

_ROLE = re.compile(r"You are the (\w+)", re.IGNORECASE)
_TOKEN = re.compile(r"\s*\S+|\s+")


class ChatMessage(BaseModel):
    model_config = ConfigDict(extra="allow")
    role: str
    content: str | None = None


class ChatRequest(BaseModel):
    model_config = ConfigDict(extra="allow")
    model: str = DEMO_MODEL
    messages: list[ChatMessage]
    stream: bool = False
    stream_options: dict | None = None


def _between(text: str, tag: str) -> str | None:
    start, end = text.find(f"<{tag}>"), text.rfind(f"</{tag}>")
    if start < 0 or end < start:
        return None
    return text[start + len(tag) + 2:end].strip("\n")


def answer_for(messages: list[ChatMessage]) -> str:
    system = "\n".join(m.content or "" for m in messages if m.role == "system")
    user = "\n".join(m.content or "" for m in messages if m.role == "user")
    match = _ROLE.search(system)
    role = match.group(1).lower() if match else ""
    if role not in ROLES:
        return "I am BotArmy's offline demo model. I answer as one of: " + ", ".join(ROLES) + "."
    brief = _between(user, "brief") or user
    return demo_answer(role, brief, _between(user, "feedback"))


def tokens_of(text: str) -> list[str]:
    """Word-sized pieces whose concatenation is exactly `text`."""
    return _TOKEN.findall(text)


def _chunk(completion_id: str, created: int, model: str, delta: dict, finish: str | None = None) -> str:
    payload = {
        "id": completion_id, "object": "chat.completion.chunk", "created": created, "model": model,
        "choices": [{"index": 0, "delta": delta, "finish_reason": finish}],
    }
    return f"data: {json.dumps(payload)}\n\n"


def demo_router(token_delay_ms: float) -> APIRouter:
    router = APIRouter(prefix="/demo/v1", include_in_schema=False)

    @router.get("/models")
    async def models() -> dict:
        return {"object": "list", "data": [{"id": DEMO_MODEL, "object": "model", "owned_by": "botarmy"}]}

    @router.post("/chat/completions")
    async def chat_completions(request: ChatRequest):
        text = answer_for(request.messages)
        prompt_tokens = estimate_tokens("".join(m.content or "" for m in request.messages))
        pieces = tokens_of(text)
        usage = {"prompt_tokens": prompt_tokens, "completion_tokens": len(pieces),
                 "total_tokens": prompt_tokens + len(pieces)}
        completion_id, created = f"chatcmpl-demo-{time.time_ns()}", int(time.time())
        if not request.stream:
            return JSONResponse({
                "id": completion_id, "object": "chat.completion", "created": created, "model": request.model,
                "choices": [{"index": 0, "message": {"role": "assistant", "content": text},
                             "finish_reason": "stop"}],
                "usage": usage,
            })
        include_usage = bool((request.stream_options or {}).get("include_usage"))

        async def body() -> AsyncIterator[str]:
            yield _chunk(completion_id, created, request.model, {"role": "assistant", "content": ""})
            for piece in pieces:
                if token_delay_ms:
                    await asyncio.sleep(token_delay_ms / 1000)
                yield _chunk(completion_id, created, request.model, {"content": piece})
            yield _chunk(completion_id, created, request.model, {}, finish="stop")
            if include_usage:
                final = {"id": completion_id, "object": "chat.completion.chunk", "created": created,
                         "model": request.model, "choices": [], "usage": usage}
                yield f"data: {json.dumps(final)}\n\n"
            yield "data: [DONE]\n\n"

        return StreamingResponse(body(), media_type="text/event-stream")

    return router
