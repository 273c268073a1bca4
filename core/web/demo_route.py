"""The offline demo model's OpenAI-compatible endpoint, served by the app itself under core.llm.client.DEMO_PATH.

It answers under whatever model name a request gives (echoed in its chunks) and reports the prompt tokens it read
from its prompt cache (core.demo.cache) as OpenAI does, in `usage.prompt_tokens_details.cached_tokens`."""

import asyncio
import json
import logging
import time
from collections.abc import AsyncIterator

from fastapi import APIRouter, Header
from fastapi.responses import JSONResponse, StreamingResponse

from core.demo.cache import PromptCache
from core.demo.faults import Fault, FaultPlan
from core.demo.model import (
    ChatRequest,
    UnknownAgent,
    answer_for,
    brief_of,
    chunk,
    finishing_call,
    prompt_text,
    tokens_of,
)
from core.llm.client import AGENT_HEADER, DEMO_MODEL, DEMO_PATH, estimate_tokens
from core.trace import TRACE, Stage, brief_digest

log = logging.getLogger("botarmy.demo_model")


def _error(status: int, message: str, kind: str, code: str | None = None, headers: dict | None = None) -> JSONResponse:
    return JSONResponse({"error": {"message": message, "type": kind, "param": None, "code": code}},
                        status_code=status, headers=headers)


def _masked(authorization: str | None) -> str:
    key = (authorization or "").removeprefix("Bearer ").strip()
    return f"{key[:3]}****{key[-4:]}" if len(key) > 8 else "****"


def _refusal(fault: Fault, authorization: str | None) -> JSONResponse | None:
    """The error response of a fault that fails the request before any token, as OpenAI words it."""
    if fault.kind == "429":
        return _error(429, "Rate limit reached for requests. Please try again later.", "requests",
                      "rate_limit_exceeded", {"retry-after": f"{fault.retry_after_s:g}"})
    if fault.kind in {"500", "503"}:
        return _error(int(fault.kind), "The server had an error while processing your request.", "server_error")
    if fault.kind in {"401", "leaky401"}:
        key = _masked(authorization) if fault.kind == "401" else (authorization or "").removeprefix("Bearer ")
        return _error(401, f"Incorrect API key provided: {key}.", "invalid_request_error", "invalid_api_key")
    if fault.kind == "400":
        return _error(400, "This model's maximum context length is 128000 tokens. Please reduce the length of "
                      "the messages.", "invalid_request_error", "context_length_exceeded")
    return None


def demo_router(token_delay_ms: float, faults: FaultPlan, tokens_per_chunk: int) -> APIRouter:
    """The endpoint, streaming `tokens_per_chunk` tokens in each chunk, every token `token_delay_ms` after the last."""
    router = APIRouter(prefix=DEMO_PATH, include_in_schema=False)
    cache = PromptCache()

    @router.get("/models")
    async def models() -> dict:
        return {"object": "list", "data": [{"id": DEMO_MODEL, "object": "model", "owned_by": "botarmy"}]}

    @router.post("/chat/completions")
    async def chat_completions(request: ChatRequest, authorization: str | None = Header(None),
                               agent: str | None = Header(None, alias=AGENT_HEADER)):
        brief = brief_of(request.messages)
        fault = faults.next(f"{agent}|{brief}")
        if fault is not None:
            log.info("demo model injects fault %s", fault.kind)
            if (refusal := _refusal(fault, authorization)) is not None:
                return refusal
        kind = fault.kind if fault else None
        try:
            text = answer_for(agent, request.messages, hostile=kind == "hostile", buggy=kind == "buggy",
                              badedit=kind == "badedit")
        except UnknownAgent as unknown:
            return _error(400, str(unknown), "invalid_request_error", "unknown_agent")
        prompt = prompt_text(request.messages)
        prompt_tokens = estimate_tokens(prompt)
        pieces = tokens_of(text)
        usage = {"prompt_tokens": prompt_tokens, "completion_tokens": len(pieces),
                 "total_tokens": prompt_tokens + len(pieces),
                 "prompt_tokens_details": {"cached_tokens": cache.read(prompt)}}
        completion_id, created = f"chatcmpl-demo-{time.time_ns()}", int(time.time())
        call = finishing_call(request, text, f"call_demo_{time.time_ns()}")
        finish = "stop" if call is None else "tool_calls"
        if not request.stream:
            message = {"role": "assistant", "content": text}
            if call is not None:
                message["tool_calls"] = [{"id": call.id, "type": "function",
                                          "function": {"name": call.name, "arguments": call.arguments}}]
            return JSONResponse({
                "id": completion_id, "object": "chat.completion", "created": created, "model": request.model,
                "choices": [{"index": 0, "message": message, "finish_reason": finish}],
                "usage": usage,
            })
        include_usage = bool((request.stream_options or {}).get("include_usage"))

        delay = token_delay_ms / 1000 + (0.2 if kind == "slow" else 0)
        break_at = len(pieces) // (3 if kind == "stall" else 2)

        stream_key = f"{agent}|{brief_digest(brief)}|" if TRACE.on else ""

        async def body() -> AsyncIterator[str]:
            sent = end = 0
            try:
                yield chunk(completion_id, created, request.model, {"role": "assistant", "content": ""})
                for sent in range(0, len(pieces), tokens_per_chunk):
                    group = pieces[sent:sent + tokens_per_chunk]
                    at_break = sent <= break_at < sent + len(group)  # the fault strikes before the chunk it falls in
                    if at_break and kind == "cut":
                        raise ConnectionAbortedError("demo fault: connection cut mid-answer")
                    if at_break and kind == "stall":
                        await asyncio.sleep(3600)
                    if at_break and kind == "malformed":
                        yield 'data: {"id": "chatcmpl-broken", "choices": [{"delta": {"content": "\n\n'
                    if at_break and kind == "misshapen":
                        yield 'data: {"id": "chatcmpl-misshapen", "choices": [{"delta": {"content": [1, 2]}}]}\n\n'
                    if delay:
                        await asyncio.sleep(delay * len(group))
                    text_sent = "".join(group)
                    if TRACE.on:
                        end += len(text_sent)
                        TRACE.note(Stage.SENT, f"{stream_key}{end}")
                    yield chunk(completion_id, created, request.model, {"content": text_sent})
                sent = len(pieces)
                if call is not None:  # the name first, then the arguments, as OpenAI streams a tool call
                    yield chunk(completion_id, created, request.model, {"tool_calls": [{
                        "index": 0, "id": call.id, "type": "function",
                        "function": {"name": call.name, "arguments": ""}}]})
                    yield chunk(completion_id, created, request.model, {"tool_calls": [{
                        "index": 0, "function": {"arguments": call.arguments}}]})
                yield chunk(completion_id, created, request.model, {}, finish=finish)
                if include_usage:
                    final = {"id": completion_id, "object": "chat.completion.chunk", "created": created,
                             "model": request.model, "choices": [], "usage": usage}
                    yield f"data: {json.dumps(final)}\n\n"
                yield "data: [DONE]\n\n"
            finally:
                if sent < len(pieces):
                    log.info("demo stream ended after %d of %d tokens", sent, len(pieces))

        return StreamingResponse(body(), media_type="text/event-stream")

    return router
