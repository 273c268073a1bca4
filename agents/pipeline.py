"""The sequential pipeline Analyst → Architect → Developer → Tester → Deployer, as events through `emit`."""

from ag_ui.core import StateSnapshotEvent

from core.errors import failure_sentence
from core.events import ARTIFACT_SAVED, EventType, RunFinishedEvent, RunStartedEvent, RunErrorEvent
from core.llm import LLM
from core.runs import Emit

from .roles import ROLES
from .step import AgentInputs, run_agent


async def run_pipeline(run_id: str, brief: str, emit: Emit, *, llm: LLM) -> None:
    await emit(RunStartedEvent(
        thread_id=run_id, run_id=run_id,
        metadata={"brief": brief, "model": llm.model, "offline_demo": llm.offline_demo,
                  "agents": [{"name": role.name, "title": role.title} for role in ROLES]}))
    earlier: dict[str, str] = {}
    for role in ROLES:
        failure = None
        async for event in run_agent(role, AgentInputs(run_id=run_id, brief=brief, earlier=dict(earlier)), llm):
            await emit(event)
            if event.type == EventType.CUSTOM and event.name == ARTIFACT_SAVED:
                earlier[role.name] = event.value["content"]
            elif event.type == EventType.SUBAGENT_ERROR:
                failure = event.message
        await emit(StateSnapshotEvent(snapshot={"artifacts": list(earlier), "failed": role.name if failure else None}))
        if failure:
            # Every later agent reads this one's artifact, so nothing more can be done in this run.
            await emit(RunErrorEvent(message=failure_sentence(role.title, failure), code="agent_failed"))
            return
    await emit(RunFinishedEvent(thread_id=run_id, run_id=run_id, result={"artifacts": list(earlier)}))
