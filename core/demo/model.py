"""What the offline demo model answers: a deterministic answer for the agent a request names, streamed as OpenAI
chat-completion chunks. Served over HTTP by core.web.demo_route.

The agent comes from the request's agent header (core.llm.client.AGENT_HEADER); the brief and reviewer feedback
from the <brief>…</brief> and <feedback>…</feedback> parts of the user message. When the request offers a tool that
finishes a task (an orchestrator such as ControlFlow asks its agents to call `mark_task_…_successful`), the answer
ends with a call of that tool, as a real model's would.
"""

import json
import re
from dataclasses import dataclass

from pydantic import BaseModel, ConfigDict

from core.llm.client import DEMO_MODEL

from .changes import change_answer, read_request
from .content import AGENTS, demo_answer
from .hostile import hostile_block

_TOKEN = re.compile(r"\s*\S+|\s+")


class UnknownAgent(ValueError):
    """The request names no agent the demo model can answer as."""


class ChatMessage(BaseModel):
    model_config = ConfigDict(extra="allow")
    role: str
    content: str | list[dict] | None = None

    @property
    def text(self) -> str:
        """The message's text, whether it came as a string or as a list of content parts."""
        if isinstance(self.content, list):
            return "".join(part.get("text", "") for part in self.content if isinstance(part, dict))
        return self.content or ""


class ChatRequest(BaseModel):
    model_config = ConfigDict(extra="allow")
    model: str = DEMO_MODEL
    messages: list[ChatMessage]
    stream: bool = False
    stream_options: dict | None = None
    tools: list[dict] | None = None


@dataclass(frozen=True)
class ToolCall:
    id: str
    name: str
    arguments: str  # JSON, as the API carries it


# How ControlFlow names the tool that marks a task done (controlflow.tasks.task.Task.get_success_tool).
_SUCCESS_TOOL = re.compile(r"mark_task_\w+_successful")


def _between(text: str, tag: str) -> str | None:
    start, end = text.find(f"<{tag}>"), text.rfind(f"</{tag}>")
    if start < 0 or end < start:
        return None
    return text[start + len(tag) + 2:end].strip("\n")


def _user_text(messages: list[ChatMessage]) -> str:
    return "\n".join(m.text for m in messages if m.role == "user")


def brief_of(messages: list[ChatMessage]) -> str:
    """The brief the request is about: its <brief> part, or all the user said."""
    user = _user_text(messages)
    return _between(user, "brief") or user


def answer_for(agent: str | None, messages: list[ChatMessage], *, hostile: bool = False, buggy: bool = False,
               badedit: bool = False) -> str:
    """The whole answer of `agent`; UnknownAgent when the demo model has no answers for it. A request that holds
    a change request (<request>) gets a change's answer (core.demo.changes)."""
    if agent not in AGENTS:
        raise UnknownAgent(f"The offline demo model cannot answer as agent {agent!r}; it answers as "
                           f"{', '.join(AGENTS)} (named in the request's agent header).")
    brief, user = brief_of(messages), _user_text(messages)
    if _between(user, "request") is not None:
        answer = change_answer(agent, read_request(user, _between), badedit=badedit)
    else:
        answer = demo_answer(agent, brief, _between(user, "feedback"), buggy=buggy)
    return answer + "\n" + hostile_block(brief) if hostile else answer


def finishing_call(request: ChatRequest, answer: str, call_id: str) -> ToolCall | None:
    """The call of the offered tool that marks the task successful, if any: with the answer as its `result` when
    the tool takes one, else with no arguments."""
    for tool in request.tools or []:
        function = tool.get("function") or {}
        name = function.get("name", "")
        if tool.get("type") == "function" and _SUCCESS_TOOL.fullmatch(name):
            takes_result = "result" in ((function.get("parameters") or {}).get("properties") or {})
            return ToolCall(call_id, name, json.dumps({"result": answer} if takes_result else {}))
    return None


def prompt_text(messages: list[ChatMessage]) -> str:
    return "".join(m.text for m in messages)


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
