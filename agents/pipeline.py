"""The pipeline Analyst → Architect → Developer → Tester → Deployer, as events through `emit`.

An agent runs when the artifacts it needs exist; a failed agent leaves the agents that need it queued (skipped when
the run ends) while the others go on. Between agents are the safe points: a requested pause takes effect there,
and an agent chosen for approval ends the run segment with an interrupt until the user decides. Before every call
the run's budgets are checked (agents.budget): it stops cleanly before a call that could pass a hard ceiling, and
asks the user before one that could pass its soft budget. An answer that lacks what its role delivers (code, tests,
the design's sections: agents.deliverables) goes back to its agent with what was missing, a bounded number of times.
Once the tests are written, they run in the sandbox, and failing tests go back to the agent that wrote the code
(agents.verify). The segment that goes to its end records the run's outcome (core.domain.outcome) in its result.

What the pipeline knows of the run (artifacts, failures, what was spent) is `run.view`: the fold of every event
the run has emitted, kept current by the engine.
"""

import logging
from contextlib import aclosing

from core.codebase.context import DEFAULT_BUDGET
from core.domain.custom import DeliverableMissing, RepairRequested, custom
from core.domain.events import (
    Interrupt,
    RunErrorEvent,
    RunFinishedEvent,
    RunFinishedInterruptOutcome,
    RunStartedEvent,
)
from core.domain.interrupts import APPROVAL_AGENT, APPROVAL_ANSWER, PAUSE_ANSWER
from core.domain.outcome import of_verdict
from core.domain.status import AgentStatus, ErrorCode, InterruptReason
from core.domain.view import RunView
from core.engine.context import RunContext
from core.llm.client import LLM
from core.llm.errors import failure_sentence
from core.obs.logs import log_context

from .budget import Budget, over_budget, soft_question
from .deliverables import as_answer, missing, repair_instructions
from .reading import as_ready
from .revision import (
    RevisionInputs,
    committed,
    edited_commit,
    prepare,
    restoring,
    retries_edits,
    so_far,
    verify_restored,
)
from .roles import ROLES, Role
from .step import AgentInputs, AgentStep, run_agent
from .verify import ProjectTests, verify_and_fix

log = logging.getLogger("botarmy.pipeline")

PAUSED = "Paused by you. Resume to continue with the next agent."
FIXER = next(role for role in ROLES if role.fixes_tests)
DOCUMENTS = frozenset(role.document for role in ROLES if role.document is not None)


async def run_pipeline(run: RunContext, *, llm: LLM, budget: Budget, step: AgentStep = run_agent,
                       tests: ProjectTests | None = None, fix_rounds: int = 2, repair_rounds: int = 1,
                       context_tokens: int = DEFAULT_BUDGET) -> None:
    """Run every agent that has no artifact yet, stopping at the first checkpoint; `step` runs one agent, with the
    model and the system prompt the run chose for it. An answer that lacks what its role delivers goes back to its
    agent at most `repair_rounds` times. After the agent that writes the tests, run them (`tests`; None: never)
    and have failures fixed, at most `fix_rounds` times. On a project with files, an agent is sent at most
    `context_tokens` of them (agents.revision)."""
    view, emit = run.view, run.emit
    segment = view.segments + 1
    await emit(RunStartedEvent(
        thread_id=run.run_id, run_id=run.run_id,
        metadata={"brief": run.brief, "model": llm.model, "offline_demo": llm.offline_demo,
                  "agents": [{"name": role.name, "title": role.title} for role in ROLES]}))
    if (edited := edited_commit(view, run.brief)) is not None:  # an artifact the user edited at an approval
        await emit(custom(edited))

    async def call(role: Role, label: str | None) -> AgentInputs | None:
        """One call of the agent, its answer's files committed; None when the run stopped before it (a budget)."""
        prepared = prepare(role, view, run.brief, run.run_id, segment, label, context_tokens)
        inputs = prepared.inputs
        most = llm.ceiling(inputs.messages(role), inputs.model)
        if stop := over_budget(role, most, budget, view):
            await emit(RunErrorEvent(message=stop, code=ErrorCode.BUDGET))
            return None
        if question := soft_question(role, most, view, f"budget:{segment}:{role.name}:{label or 'work'}"):
            await emit(_interrupt(run.run_id, question))
            return None
        if prepared.context is not None:
            await emit(custom(prepared.context))
        with log_context(agent=role.name):  # set here, not in the generator, so it is reset in this context
            log.info("agent starts (attempt %s)", inputs.label or segment)
            async with aclosing(committed(as_ready(step(role, inputs, llm)), role, view, run.brief)) as batches:
                async for batch in batches:
                    await emit(*batch)
            log.info("agent %s", "saved its artifact" if role.name in view.artifacts else "failed")
        return inputs

    async def work(role: Role, label: str | None = None) -> bool:
        """The agent's step, again while its edits fail and attempts are left, and its repair rounds while its
        answer lacks what it delivers; False when the run stopped before a call."""
        repair = 0
        while True:
            inputs = await call(role, f"{label or segment}-repair{repair}" if repair else label)
            if inputs is None:
                return False
            if retries_edits(view, role):
                continue
            artifact = view.artifacts.get(role.name)
            if artifact is None:
                return True
            # An agent that edits files delivered what the project's files now hold, not what its answer quotes.
            edits = isinstance(inputs, RevisionInputs) and inputs.edits
            lacking = missing(role.delivers, _files_of(role, view) if edits else artifact.content)
            if not lacking:
                return True
            if repair == repair_rounds:
                await emit(custom(DeliverableMissing(agent=role.name, missing=lacking)))
                return True
            repair += 1
            await emit(custom(RepairRequested(agent=role.name, round=repair, missing=lacking,
                                              instructions=repair_instructions(role.title, role.delivers,
                                                                               artifact.content))))

    if restoring(view):  # no agent works: the restored files' tests run
        await verify_restored(run, tests)
    for role in () if restoring(view) else ROLES:
        if role.name not in view.artifacts:
            if any(need not in view.artifacts for need in role.needs):
                continue
            if run.pause_requested():
                await emit(_interrupt(run.run_id, Interrupt(id=f"pause:{segment}", reason=InterruptReason.PAUSE,
                                                            message=PAUSED, response_schema=PAUSE_ANSWER)))
                return
            if not await work(role):
                return
            if role.name not in view.artifacts:
                continue
        if role.name in view.approvals and role.name not in view.approved:
            await emit(_interrupt(run.run_id, Interrupt(
                id=f"approval:{role.name}:{segment}", reason=InterruptReason.APPROVAL,
                metadata={APPROVAL_AGENT: role.name}, response_schema=APPROVAL_ANSWER,
                message=f"Review the {role.artifact_title.lower()}: approve, request changes, or edit it.")))
            return
        if role.runs_tests and not await verify_and_fix(run, tests, FIXER, role, work, fix_rounds):
            return
    failed = [agent for agent in view.agents.values() if agent.status == AgentStatus.FAILED]
    if failed:
        await emit(RunErrorEvent(message=failure_sentence(failed[0].title, failed[0].error or ""),
                                 code=ErrorCode.AGENT_FAILED))
    else:
        await emit(RunFinishedEvent(thread_id=run.run_id, run_id=run.run_id, result={
            "outcome": of_verdict(view.verify, view.run_tests), "artifacts": list(so_far(view))}))


def _files_of(role: Role, view: RunView) -> str:
    """The text files the role writes, as they stand, in an answer's form (the agents' documents are not its)."""
    return as_answer({path: file.content for path, file in view.files.items()
                      if not file.binary and path not in DOCUMENTS and path.startswith(role.files_under or "")})


def _interrupt(run_id: str, interrupt: Interrupt) -> RunFinishedEvent:
    return RunFinishedEvent(thread_id=run_id, run_id=run_id,
                            outcome=RunFinishedInterruptOutcome(interrupts=[interrupt]))
