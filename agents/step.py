"""One agent step: inputs in, AG-UI events out. Any orchestrator can drive it; it persists nothing itself."""

import logging
from collections.abc import AsyncIterator
from dataclasses import dataclass, field

from core.errors import friendly_message
from core.events import (
    AGENT_TASK,
    ARTIFACT_SAVED,
    USAGE,
    Event,
    SubagentErrorEvent,
    SubagentFinishedEvent,
    SubagentStartedEvent,
    TextMessageContentEvent,
    TextMessageEndEvent,
    TextMessageStartEvent,
    custom,
)
from core.llm import LLM, Usage

from .roles import Role, build_messages

log = logging.getLogger("botarmy.agents")


@dataclass(frozen=True)
class AgentInputs:
    run_id: str
    brief: str
    earlier: dict[str, str] = field(default_factory=dict)  # agent name -> artifact text, in pipeline order
    feedback: str | None = None
    attempt: int = 1


async def run_agent(role: Role, inputs: AgentInputs, llm: LLM) -> AsyncIterator[Event]:
    """Stream one agent's answer as events, ending with SUBAGENT_FINISHED or SUBAGENT_ERROR."""
    subagent_id = f"{inputs.run_id}:{role.name}:{inputs.attempt}"
    message_id = f"{subagent_id}:answer"
    yield SubagentStartedEvent(
        subagent_run_id=subagent_id, name=role.name, description=role.artifact_title,
        metadata={"title": role.title, "task": "Reading the brief and earlier work",
                  "expected_chars": role.expected_chars})
    chunks: list[str] = []
    try:
        async for piece in llm.stream(build_messages(role, inputs.brief, inputs.earlier, inputs.feedback)):
            if isinstance(piece, Usage):
                yield custom(USAGE, {"agent": role.name, "prompt_tokens": piece.prompt_tokens,
                                     "completion_tokens": piece.completion_tokens, "estimated": piece.estimated})
                continue
            if not chunks:
                yield custom(AGENT_TASK, {"agent": role.name, "task": role.task})
                yield TextMessageStartEvent(message_id=message_id, role="assistant", subagent_run_id=subagent_id)
            chunks.append(piece)
            yield TextMessageContentEvent(message_id=message_id, delta=piece, subagent_run_id=subagent_id)
    except Exception as error:  # noqa: BLE001 - every failure becomes a plain sentence; detail goes to the log
        log.warning("agent %s of run %s failed: %s: %s", role.name, inputs.run_id, type(error).__name__, error)
        if chunks:
            yield TextMessageEndEvent(message_id=message_id, subagent_run_id=subagent_id)
        yield SubagentErrorEvent(subagent_run_id=subagent_id, message=friendly_message(error), code="llm_error")
        return
    if not chunks:
        yield SubagentErrorEvent(subagent_run_id=subagent_id, message="The AI model returned an empty answer.",
                                 code="empty_answer")
        return
    yield TextMessageEndEvent(message_id=message_id, subagent_run_id=subagent_id)
    yield custom(ARTIFACT_SAVED, {"agent": role.name, "title": role.artifact_title, "filename": role.filename,
                                  "content": "".join(chunks)})
    yield SubagentFinishedEvent(subagent_run_id=subagent_id, result={"artifact": role.filename})
