"""Ending a run that was cut short, the same way wherever it happens: half-written answers are voided first, so no
view keeps a fragment, then the agents at work and the run end."""

from core.domain.custom import VerifyFinished, custom, discard_answer
from core.domain.events import (
    Event,
    RunErrorEvent,
    RunFinishedCancelledOutcome,
    RunFinishedEvent,
    StoredEvent,
    SubagentErrorEvent,
)
from core.domain.status import AgentStatus, CommandOrigin, ErrorCode, VerifyStatus
from core.domain.verdict import TESTS_STOPPED
from core.domain.view import RunView
from core.eventlog.bus import Bus

from .execution import WITH_SERVER, ended
from .queries import RunQueries

INTERRUPTED_MESSAGE = "The server stopped while this run was in progress."
TAKEN_OVER_MESSAGE = "The worker running this run stopped; another worker carries it on from its last saved step."
CANCELLED_MESSAGE = "Cancelled by you."


def unfinished(view: RunView, reason: str, code: ErrorCode) -> list[Event]:
    """The events that void the view's half-written answers and its tests in progress, and end its working agents
    with `reason`."""
    closing: list[Event] = []
    for message in view.messages:
        if not message.complete:
            closing += discard_answer(message.agent, message.message_id, message.subagent_run_id,
                                      ErrorCode.INTERRUPTED)
    # The run's own commands (its tests) died with the process that ran them, which can no longer say how they ended:
    # a worker killed mid-test, say. The user's commands belong to the process that runs them, not to the run.
    closing += [custom(ended(command.command_id, WITH_SERVER))
                for command in view.commands.values() if command.running and command.origin == CommandOrigin.VERIFY]
    if view.verify is not None and view.verify.status == VerifyStatus.RUNNING:  # they run again on resume
        closing.append(custom(VerifyFinished(status=VerifyStatus.SKIPPED, summary=TESTS_STOPPED, conclusive=False)))
    closing += [SubagentErrorEvent(subagent_run_id=agent.subagent_run_id, message=reason, code=code)
                for agent in view.agents.values()
                if agent.status == AgentStatus.WORKING and agent.subagent_run_id]
    return closing


async def close_out(bus: Bus, queries: RunQueries, run_id: str, ending: Event) -> list[StoredEvent]:
    """End a run cut short with `ending`; the stored events."""
    # AG-UI has no run end while a subagent is open: the agents at work end first, for the same reason.
    reason, code = ((ending.message, ending.code) if isinstance(ending, RunErrorEvent)
                    else (CANCELLED_MESSAGE, ErrorCode.CANCELLED))
    return await bus.emit(run_id, *unfinished(await queries.view(run_id), reason, code), ending)


def interrupted(message: str = INTERRUPTED_MESSAGE) -> RunErrorEvent:
    return RunErrorEvent(message=message, code=ErrorCode.INTERRUPTED)


def cancelled(run_id: str, result: dict | None = None) -> RunFinishedEvent:
    """`result`: what the run delivered, when that is worth saying (stopped at its budget)."""
    return RunFinishedEvent(thread_id=run_id, run_id=run_id, outcome=RunFinishedCancelledOutcome(), result=result)
