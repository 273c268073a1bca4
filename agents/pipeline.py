"""The pipeline Analyst → Architect → Developer → Tester → Deployer, as events through `emit`.

An agent runs when the artifacts it needs exist; a failed agent leaves the agents that need it queued (skipped when
the run ends) while the others go on. Before every call the run's budget is checked, so it stops cleanly before
it could be exceeded.
"""

from contextlib import aclosing
from dataclasses import dataclass

from ag_ui.core import StateSnapshotEvent

from core.errors import failure_sentence
from core.events import (
    ARTIFACT_SAVED,
    USAGE,
    EventType,
    RunErrorEvent,
    RunFinishedEvent,
    RunStartedEvent,
)
from core.fold import RunView
from core.llm import LLM, prompt_tokens
from core.runs import Emit

from .roles import ROLES, Role, build_messages
from .step import AgentInputs, run_agent


@dataclass(frozen=True)
class Budget:
    tokens: int
    cost_usd: float


@dataclass
class _Spent:
    tokens: int = 0
    cost_usd: float = 0.0


async def run_pipeline(run_id: str, brief: str, emit: Emit, prior: RunView, *, llm: LLM, budget: Budget) -> None:
    """Run every agent that has no artifact yet; `prior` is the run so far (empty for a new run)."""
    await emit(RunStartedEvent(
        thread_id=run_id, run_id=run_id,
        metadata={"brief": brief, "model": llm.model, "offline_demo": llm.offline_demo,
                  "agents": [{"name": role.name, "title": role.title} for role in ROLES]}))
    earlier = {role.name: prior.artifacts[role.name].content for role in ROLES if role.name in prior.artifacts}
    failures: dict[str, str] = {}
    spent = _Spent(prior.tokens, prior.cost_usd)
    for role in ROLES:
        if role.name in earlier or any(need not in earlier for need in role.needs):
            continue
        inputs = AgentInputs(run_id=run_id, brief=brief, earlier=dict(earlier), attempt=prior.segments + 1)
        if stop := _over_budget(role, inputs, llm, budget, spent):
            await emit(RunErrorEvent(message=stop, code="budget"))
            return
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
        await emit(StateSnapshotEvent(snapshot={"artifacts": list(earlier), "failed": list(failures)}))
    if failures:
        await emit(RunErrorEvent(message=next(iter(failures.values())), code="agent_failed"))
    else:
        await emit(RunFinishedEvent(thread_id=run_id, run_id=run_id, result={"artifacts": list(earlier)}))


def _over_budget(role: Role, inputs: AgentInputs, llm: LLM, budget: Budget, spent: _Spent) -> str | None:
    """The user's sentence when the next call could take the run past its budget, else None."""
    prompt = prompt_tokens(build_messages(role, inputs.brief, inputs.earlier))
    if spent.tokens + prompt + llm.max_output_tokens > budget.tokens:
        limit = f"{budget.tokens:,} tokens"
    elif budget.cost_usd and spent.cost_usd + llm.cost_usd(prompt, llm.max_output_tokens) > budget.cost_usd:
        limit = f"${budget.cost_usd:.2f}"
    else:
        return None
    return f"The run stopped before the {role.title}: its next step could take the run past its budget of {limit}."
