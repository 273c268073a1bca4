"""What the offline demo model answers: a deterministic answer for the agent a request names, streamed as OpenAI
chat-completion chunks. Served over HTTP by core.web.demo_route.

The agent comes from the request's agent header (core.llm.client.AGENT_HEADER); the brief and reviewer feedback
from the <brief>…</brief> and <feedback>…</feedback> parts of the user message.
"""

import json
import re

from pydantic import BaseModel, ConfigDict

from core.llm.client import DEMO_MODEL

from .content import AGENTS, demo_answer
from .hostile import hostile_block

_TOKEN = re.compile(r"\s*\S+|\s+")


class UnknownAgent(ValueError):
    """The request names no agent the demo model can answer as."""


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


def answer_for(agent: str | None, messages: list[ChatMessage], *, hostile: bool = False, buggy: bool = False) -> str:
    """The whole answer of `agent`; UnknownAgent when the demo model has no answers for it."""
    if agent not in AGENTS:
        raise UnknownAgent(f"The offline demo model cannot answer as agent {agent!r}; it answers as "
                           f"{', '.join(AGENTS)} (named in the request's agent header).")
    user = "\n".join(m.content or "" for m in messages if m.role == "user")
    brief = _between(user, "brief") or user
    answer = demo_answer(agent, brief, _between(user, "feedback"), buggy=buggy)
    return answer + "\n" + hostile_block(brief) if hostile else answer


def tokens_of(text: str) -> list[str]:
    """Word-sized pieces whose concatenation is exactly `text`."""
    return _TOKEN.findall(text)


def chunk(completion_id: str, created: int, model: str, delta: dict, finish: str | None = None) -> str:
    """One server-sent chunk of a streamed chat completion."""
    payload = {
        "id": completion_id, "object": "chat.completion.chunk", "created": created, "model": model,
        "choices": [{"index": 0, "delta": delta, "finish_reason": finish}],
    }
    return f"data: {json.dumps(payload)}\n\n"
