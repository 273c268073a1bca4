"""One agent step: inputs in, AG-UI events out. Any orchestrator can drive it; it persists nothing itself."""

import logging
from collections.abc import AsyncIterator, Callable
from contextlib import aclosing
from dataclasses import dataclass, field

from core.domain.custom import AgentTask, AgentWaiting, ArtifactSaved, Usage, custom, discard_answer
from core.domain.events import (
    Event,
    SubagentErrorEvent,
    SubagentFinishedEvent,
    SubagentStartedEvent,
    TextMessageContentEvent,
    TextMessageEndEvent,
    TextMessageStartEvent,
    now_ms,
)
from core.domain.status import ErrorCode
from core.llm.client import LLM, Restart, Source, Waiting
from core.llm.errors import classify
from core.trace import TRACE, Stage

from .roles import Role, build_messages

log = logging.getLogger("botarmy.agents")

EMPTY_ANSWER = "The AI model returned an empty answer."


@dataclass(frozen=True)
class AgentInputs:
    run_id: str
    brief: str
    earlier: dict[str, str] = field(default_factory=dict)  # agent name -> artifact text, in pipeline order
    feedback: str | None = None  # the user's request for changes to `previous`, the agent's earlier answer
    previous: str | None = None
    attempt: int = 1
    label: str | None = None  # names this invocation instead of `attempt` (a fix or repair round in one segment)
    model: str | None = None  # the model the agent calls; None: the LLM client's default
    system: str | None = None  # the system prompt the run gave the agent; None: the role's default

    def messages(self, role: Role) -> list[dict]:
        """The chat messages of `role`'s step with these inputs."""
        return build_messages(role, self.brief, self.earlier, self.feedback, self.previous, self.system)


# One agent step as an orchestrator runs it: run_agent here, or another orchestrator's (agents.controlflow).
AgentStep = Callable[[Role, AgentInputs, LLM], AsyncIterator[Event]]


async def run_agent(role: Role, inputs: AgentInputs, llm: LLM, source: Source | None = None) -> AsyncIterator[Event]:
    """Stream one agent's answer as events, ending with SUBAGENT_FINISHED or SUBAGENT_ERROR.

    The answer comes from the LLM client's chat completion, or from `source` when another orchestrator makes the
    call its own way (see LLM.stream); the events are the same either way. A stream that breaks half-way is closed
    and voided (core.domain.custom.discard_answer) before the retry streams a fresh message, so every view and the
    stored artifact agree on the final text.
    """
    subagent_id = f"{inputs.run_id}:{role.name}:{inputs.label or inputs.attempt}"
    messages = inputs.messages(role)
    model = inputs.model or llm.model
    # What the model was told is part of the log, so a replay or a later revision knows it exactly.
    yield SubagentStartedEvent(
        subagent_run_id=subagent_id, name=role.name, description=role.artifact_title,
        metadata={"title": role.title, "task": "Reading the brief and earlier work",
                  "expected_chars": role.expected_chars, "model": model, "system_prompt": messages[0]["content"]})
    label = f"run={inputs.run_id} agent={role.name}"
    chunks: list[str] = []
    message_id, streams, length = None, 0, 0
    try:
        async with aclosing(llm.stream(messages, model=model, agent=role.name, label=label,
                                       source=source)) as stream:
            async for piece in stream:
                if isinstance(piece, Waiting):
                    now = now_ms()  # one reading: the wait is its whole length from the event's own time
                    yield custom(AgentWaiting(agent=role.name, kind=piece.kind, attempt=piece.attempt,
                                              until_ms=now + int(piece.seconds * 1000)), timestamp=now)
                elif isinstance(piece, Restart):
                    for event in discard_answer(role.name, message_id, subagent_id, piece.kind):
                        yield event
                    chunks, message_id, length = [], None, 0
                elif isinstance(piece, Usage):
                    yield custom(piece)
                else:
                    if message_id is None:
                        streams += 1
                        message_id = f"{subagent_id}:answer:{streams}"
                        yield custom(AgentTask(agent=role.name, task=role.task))
                        yield TextMessageStartEvent(message_id=message_id, role="assistant",
                                                    subagent_run_id=subagent_id)
                    chunks.append(piece)
                    if TRACE.on:
                        length += len(piece)
                        TRACE.note(Stage.RECEIVED, f"{message_id}|{length}")
                    yield TextMessageContentEvent(message_id=message_id, delta=piece, subagent_run_id=subagent_id)
    except Exception as error:  # noqa: BLE001 - every failure becomes a plain sentence; detail went to the log
        failure = classify(error)
        log.warning("agent failed for good %s: %s (%s)", label, failure.kind, type(error).__name__)
        if message_id is not None:  # half an answer is no artifact: void it, as a retry would
            for event in discard_answer(role.name, message_id, subagent_id, failure.kind):
                yield event
        yield SubagentErrorEvent(subagent_run_id=subagent_id, message=failure.message, code=failure.kind)
        return
    if not chunks:
        yield SubagentErrorEvent(subagent_run_id=subagent_id, message=EMPTY_ANSWER, code=ErrorCode.EMPTY_ANSWER)
        return
    yield TextMessageEndEvent(message_id=message_id, subagent_run_id=subagent_id)
    yield custom(ArtifactSaved(agent=role.name, title=role.artifact_title, filename=role.filename,
                               content="".join(chunks)))
    yield SubagentFinishedEvent(subagent_run_id=subagent_id, result={"artifact": role.filename})
