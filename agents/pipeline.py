"""The pipeline Analyst → Architect → Developer → Tester → Deployer, as events through `emit`.

An agent runs when the artifacts it needs exist; a failed agent leaves the agents that need it queued (skipped when
the run ends) while the others go on. Between agents are the safe points: a requested pause takes effect there,
and an agent chosen for approval ends the run segment with an interrupt until the user decides. Before every call
the run's budget is checked, so it stops cleanly before it could be exceeded.
"""

import logging
from contextlib import aclosing
from dataclasses import dataclass

from ag_ui.core import StateSnapshotEvent

from core.errors import failure_sentence
from core.events import (
    APPROVAL,
    ARTIFACT_SAVED,
    PAUSE,
    USAGE,
    EventType,
    Interrupt,
    RunErrorEvent,
    RunFinishedEvent,
    RunFinishedInterruptOutcome,
    RunStartedEvent,
)
from core.llm import LLM, prompt_tokens
from core.logs import log_context
from core.runs import RunContext

from .roles import ROLES, Role, build_messages
from .step import AgentInputs, run_agent

log = logging.getLogger("botarmy.pipeline")


@dataclass(frozen=True)
class Budget:
    tokens: int
    cost_usd: float


@dataclass
class _Spent:
    tokens: int = 0
    cost_usd: float = 0.0


async def run_pipeline(run: RunContext, *, llm: LLM, budget: Budget) -> None:
    """Run every agent that has no artifact yet, stopping at the first checkpoint; `run.prior` is the run so far."""
    view, emit = run.prior, run.emit
    segment = view.segments + 1
    await emit(RunStartedEvent(
        thread_id=run.run_id, run_id=run.run_id,
        metadata={"brief": run.brief, "model": llm.model, "offline_demo": llm.offline_demo,
                  "agents": [{"name": role.name, "title": role.title} for role in ROLES]}))
    earlier = {role.name: view.artifacts[role.name].content for role in ROLES if role.name in view.artifacts}
    failures: dict[str, str] = {}
    spent = _Spent(view.tokens, view.cost_usd)
    for role in ROLES:
        if role.name not in earlier:
            if any(need not in earlier for need in role.needs):
                continue
            if run.pause_requested():
                await emit(_interrupt(run.run_id, Interrupt(
                    id=f"pause:{segment}", reason=PAUSE,
                    message="Paused by you. Resume to continue with the next agent.")))
                return
            revisions = view.revisions.get(role.name)
            inputs = AgentInputs(run_id=run.run_id, brief=run.brief, earlier=dict(earlier), attempt=segment,
                                 feedback=view.feedback.get(role.name),
                                 previous=revisions[-1].content if revisions else None)
            if stop := _over_budget(role, inputs, llm, budget, spent):
                await emit(RunErrorEvent(message=stop, code="budget"))
                return
            with log_context(agent=role.name):  # set here, not in the generator, so it is reset in this context
                log.info("agent starts (attempt %d)", segment)
                async with aclosing(run_agent(role, inputs, llm)) as events:
                    async for event in events:
                        await emit(event)
                        if event.type == EventType.CUSTOM and event.name == ARTIFACT_SAVED:
                            earlier[role.name] = event.value["content"]
                        elif event.type == EventType.CUSTOM and event.name == USAGE:
                            spent.tokens += event.value["prompt_tokens"] + event.value["completion_tokens"]
                            spent.cost_usd += event.value["cost_usd"]
                        elif event.type == EventType.SUBAGENT_ERROR:
                            failures[role.name] = failure_sentence(role.title, event.message)
                log.info("agent %s", "saved its artifact" if role.name in earlier else "failed")
            await emit(StateSnapshotEvent(snapshot={"artifacts": list(earlier), "failed": list(failures)}))
            if role.name not in earlier:
                continue
        if role.name in view.approvals and role.name not in view.approved:
            await emit(_interrupt(run.run_id, Interrupt(
                id=f"approval:{role.name}:{segment}", reason=APPROVAL, metadata={"agent": role.name},
                message=f"Review the {role.artifact_title.lower()}: approve, request changes, or edit it.")))
            return
    if failures:
        await emit(RunErrorEvent(message=next(iter(failures.values())), code="agent_failed"))
    else:
        await emit(RunFinishedEvent(thread_id=run.run_id, run_id=run.run_id, result={"artifacts": list(earlier)}))


def _interrupt(run_id: str, interrupt: Interrupt) -> RunFinishedEvent:
    return RunFinishedEvent(thread_id=run_id, run_id=run_id,
                            outcome=RunFinishedInterruptOutcome(interrupts=[interrupt]))


def _over_budget(role: Role, inputs: AgentInputs, llm: LLM, budget: Budget, spent: _Spent) -> str | None:
    """The user's sentence when the next call could take the run past its budget, else None."""
    prompt = prompt_tokens(build_messages(role, inputs.brief, inputs.earlier, inputs.feedback, inputs.previous))
    if spent.tokens + prompt + llm.max_output_tokens > budget.tokens:
        limit = f"{budget.tokens:,} tokens"
    elif budget.cost_usd and spent.cost_usd + llm.cost_usd(prompt, llm.max_output_tokens) > budget.cost_usd:
        limit = f"${budget.cost_usd:.2f}"
    else:
        return None
    return f"The run stopped before the {role.title}: its next step could take the run past its budget of {limit}."
