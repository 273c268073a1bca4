"""The one function that folds a run's events into its view.

`apply` is deterministic and does no I/O; it updates the view in place so that folding a long stream of tokens
stays linear. Live views, views rebuilt from the stored log, the pipeline's own bookkeeping and the history list's
columns all go through the same code.
"""

from collections.abc import Iterable
from dataclasses import dataclass

from .custom import (
    AgentTask,
    AgentWaiting,
    ApprovalDecided,
    ArtifactSaved,
    BudgetDecided,
    CommandEnded,
    CommandInterruptRequested,
    CommandOutput,
    CommandRequested,
    CommandStarted,
    CustomKind,
    DeliverableMissing,
    FixRequested,
    MessageDiscarded,
    PauseRequested,
    RepairRequested,
    RunConfigured,
    RunQueued,
    Usage,
    VerifyFinished,
    VerifyStarted,
    payload_of,
)
from .events import (
    Event,
    EventType,
    RunFinishedCancelledOutcome,
    RunFinishedInterruptOutcome,
    StoredEvent,
)
from .interrupts import BUDGET_ADD_USD, approval_agent
from .outcome import RunOutcome
from .revision_events import ProjectPayload, RevisionKind
from .command_fold import apply_command_event
from .decision_fold import approval_decided, budget_decided, fix_requested, send_back, verdict_outdated
from .revision_fold import apply_revision_event, artifact_saved, first_revision, revision_number
from .status import (
    AgentStatus,
    ErrorCode,
    InterruptReason,
    MessageKind,
    RunStatus,
    VerifyStatus,
    WaitKind,
)
from .view import (
    DEFAULT_EXPECTED_CHARS,
    AgentView,
    ArtifactView,
    MessageView,
    PendingApproval,
    PendingBudget,
    RunView,
    Step,
    VerifyView,
)

# The interrupts a run waits for the user's decision on, as opposed to a pause.
_WAITS_FOR_USER = frozenset({InterruptReason.APPROVAL, InterruptReason.BUDGET})


def fold(run_id: str, events: Iterable[StoredEvent]) -> RunView:
    view = RunView(run_id=run_id)
    for item in events:
        apply(view, item)
    return view


def apply(view: RunView, item: StoredEvent) -> RunView:
    """Fold one stored event into the view. Events at or below `view.last_seq` are ignored (idempotent replay)."""
    if item.seq <= view.last_seq:
        return view
    view.last_seq = item.seq
    event = item.event
    handler = _HANDLERS.get(event.type)
    if handler is not None:
        handler(view, event)
    if event.type != EventType.TEXT_MESSAGE_CONTENT:  # streamed text never changes the status or the timeline
        view.last_change_seq = item.seq
        if (status := run_status(event)) is not None:
            view.status = status
        view.timeline.record(item.seq, event)
    return view


def run_status(event: Event) -> RunStatus | None:
    """The status an event puts its run in; None when it leaves the status as it was. The one rule for the view and
    for the history list (summary_change)."""
    match event.type:
        case EventType.RUN_STARTED:
            return RunStatus.RUNNING
        case EventType.RUN_FINISHED:
            match event.outcome:
                case RunFinishedInterruptOutcome(interrupts=interrupts):
                    waits = any(interrupt.reason in _WAITS_FOR_USER for interrupt in interrupts)
                    return RunStatus.WAITING_APPROVAL if waits else RunStatus.PAUSED
                case RunFinishedCancelledOutcome():
                    return RunStatus.CANCELLED
            return RunStatus.COMPLETED  # a success, stated or not
        case EventType.RUN_ERROR:
            return RunStatus.INTERRUPTED if event.code == ErrorCode.INTERRUPTED else RunStatus.FAILED
        case EventType.CUSTOM if event.name in (CustomKind.APPROVAL_DECIDED, RevisionKind.REVISION_STARTED):
            return RunStatus.RUNNING  # the run goes on at once
        case EventType.CUSTOM if event.name == CustomKind.BUDGET_DECIDED and (event.value or {}).get("proceed"):
            return RunStatus.RUNNING  # stopping ends the run with its own event
    return None


def recorded_outcome(event: Event) -> RunOutcome | None:
    """The outcome a RUN_FINISHED event's result records (the pipeline's, core.domain.outcome), if any."""
    result = event.result if event.type == EventType.RUN_FINISHED else None
    value = result.get("outcome") if isinstance(result, dict) else None
    return RunOutcome(value) if value in tuple(RunOutcome) else None


def _run_started(view: RunView, event) -> None:
    meta = event.metadata or {}
    view.brief = meta.get("brief", view.brief)
    view.model = meta.get("model", view.model)
    view.offline_demo = bool(meta.get("offline_demo", view.offline_demo))
    view.error, view.finished_ms = None, None
    view.started_ms = view.started_ms or event.timestamp
    view.segments += 1
    view.queue_position = view.pending = view.pending_budget = None
    view.pause_requested = view.budget_stopped = False  # a pause asked for in an earlier segment ended with it
    for agent in meta.get("agents", ()):
        view.agents.setdefault(agent["name"], AgentView(name=agent["name"], title=agent["title"]))
    for agent in view.agents.values():
        if agent.name in view.artifacts:  # a checkpoint left undecided is asked again by the pipeline
            agent.status = AgentStatus.DONE
        else:  # a resumed run runs again whatever has no artifact yet
            agent.status, agent.error, agent.task = AgentStatus.QUEUED, None, ""


def _run_finished(view: RunView, event) -> None:
    view.finished_ms = event.timestamp
    match event.outcome:
        case RunFinishedInterruptOutcome(interrupts=interrupts):
            for interrupt in interrupts:
                if interrupt.reason == InterruptReason.APPROVAL:
                    agent = approval_agent(interrupt)
                    view.pending = PendingApproval(interrupt.id, agent)
                    if agent in view.agents:
                        view.agents[agent].status = AgentStatus.WAITING_APPROVAL
                elif interrupt.reason == InterruptReason.PAUSE:
                    view.pause_requested = False
                elif interrupt.reason == InterruptReason.BUDGET:
                    add_usd = float((interrupt.metadata or {}).get(BUDGET_ADD_USD, 0.0))
                    view.pending_budget = PendingBudget(interrupt.id, approval_agent(interrupt),
                                                        interrupt.message or "", add_usd)
        case RunFinishedCancelledOutcome():
            _settle_unfinished_agents(view, AgentStatus.CANCELLED, AgentStatus.CANCELLED)


def _run_error(view: RunView, event) -> None:
    view.error = event.message
    view.finished_ms = event.timestamp
    _settle_unfinished_agents(view, AgentStatus.SKIPPED, AgentStatus.FAILED)


def _settle_unfinished_agents(view: RunView, queued_status: AgentStatus, working_status: AgentStatus) -> None:
    view.pending, view.pending_budget, view.pause_requested, view.queue_position = None, None, False, None
    for agent in view.agents.values():
        if agent.status == AgentStatus.WAITING_APPROVAL:  # its artifact stands
            agent.status = AgentStatus.DONE
        elif agent.status == AgentStatus.QUEUED:
            agent.status = queued_status
        elif agent.status == AgentStatus.WORKING:
            agent.status, agent.streaming, agent.finished_ms = working_status, False, view.finished_ms
            agent.waiting = agent.waiting_until_ms = None
            if working_status == AgentStatus.FAILED:
                agent.error = agent.error or view.error


def _subagent_started(view: RunView, event) -> None:
    view.subagents[event.subagent_run_id] = event.name
    meta = event.metadata or {}
    agent = view.agents.setdefault(event.name, AgentView(name=event.name, title=meta.get("title", event.name)))
    agent.status, agent.error, agent.task = AgentStatus.WORKING, None, meta.get("task", "Starting")
    agent.subagent_run_id = event.subagent_run_id
    agent.started_ms, agent.finished_ms = event.timestamp, None
    agent.streamed_chars = agent.streamed_tokens = 0
    agent.waiting = agent.waiting_until_ms = None
    agent.retries = 0
    agent.expected_chars = meta.get("expected_chars", DEFAULT_EXPECTED_CHARS)
    agent.missing = []
    if model := meta.get("model"):
        agent.model = model
        view.steps[event.subagent_run_id] = Step(model, meta.get("system_prompt", ""))


def _subagent_agent(view: RunView, event) -> AgentView | None:
    name = view.subagents.get(event.subagent_run_id or "")
    return view.agents.get(name) if name else None


def _subagent_finished(view: RunView, event) -> None:
    agent = _subagent_agent(view, event)
    if agent is not None:
        agent.status, agent.streaming, agent.task = AgentStatus.DONE, False, "Finished"
        agent.waiting = agent.waiting_until_ms = None
        agent.finished_ms = event.timestamp


def _subagent_error(view: RunView, event) -> None:
    agent = _subagent_agent(view, event)
    if agent is not None:
        cancelled = event.code == ErrorCode.CANCELLED
        agent.status, agent.streaming = (AgentStatus.CANCELLED if cancelled else AgentStatus.FAILED), False
        agent.error = None if cancelled else event.message
        agent.task = "Stopped"
        agent.waiting = agent.waiting_until_ms = None
        agent.finished_ms = event.timestamp


def _text_start(view: RunView, event) -> None:
    name = view.subagents.get(event.subagent_run_id or "", "")
    view.messages.append(MessageView(message_id=event.message_id, agent=name, subagent_run_id=event.subagent_run_id,
                                     revision=revision_number(view)))
    if agent := view.agents.get(name):
        agent.streaming = True


def _text_content(view: RunView, event) -> None:
    message = view.message(event.message_id)
    if message is None:
        return
    message.add(event.delta)
    if agent := view.agents.get(message.agent):
        agent.streamed_chars += len(event.delta)
        agent.streamed_tokens += 1
        agent.waiting = agent.waiting_until_ms = None


def _text_end(view: RunView, event) -> None:
    message = view.message(event.message_id)
    if message is None:
        return
    message.complete = True
    if agent := view.agents.get(message.agent):
        agent.streaming = False


def _custom(view: RunView, event) -> None:
    payload = payload_of(event)
    agent = view.agents.get(getattr(payload, "agent", ""))
    match payload:
        case AgentTask() if agent is not None:
            agent.task = payload.task
        case ArtifactSaved() if agent is not None:
            view.artifacts[agent.name] = ArtifactView(agent.name, payload.title, payload.filename, payload.content)
            view.feedback.pop(agent.name, None)
            artifact_saved(view, agent.name)
            verdict_outdated(view)
        case Usage():
            view.tokens += payload.prompt_tokens + payload.completion_tokens
            view.cost_usd += payload.cost_usd
            view.usage.add(payload, payload.model or (agent and agent.model) or view.model)
            if agent is not None:  # the call's own count replaces the estimate made while it streamed
                agent.tokens_in += payload.prompt_tokens
                agent.tokens_out += payload.completion_tokens
                agent.cached_tokens += payload.cached_tokens
                agent.cost_usd += payload.cost_usd
                agent.streamed_tokens = 0
        case AgentWaiting() if agent is not None:
            agent.waiting, agent.waiting_until_ms = payload.kind, payload.until_ms
            agent.retries += payload.kind != WaitKind.PACING
        case MessageDiscarded():
            view.messages = [m for m in view.messages if m.message_id != payload.message_id]
            if agent is not None:
                agent.streamed_chars, agent.streamed_tokens, agent.streaming = 0, 0, False
        case RunConfigured():
            view.brief, view.approvals = payload.brief, list(payload.approvals)
            first_revision(view, payload.brief)
            view.models, view.prompts = dict(payload.models), dict(payload.prompts)
            view.soft_budget_usd, view.run_tests = payload.soft_budget_usd, payload.run_tests
        case RunQueued():
            view.queue_position = payload.position
        case PauseRequested():
            view.pause_requested = True
        case ApprovalDecided():
            approval_decided(view, agent, payload)
        case CommandRequested() | CommandStarted() | CommandOutput() | CommandInterruptRequested() | CommandEnded():
            apply_command_event(view, payload, event.timestamp)
        case VerifyStarted():
            fixes = view.verify.fixes if view.verify is not None else 0
            view.verify = VerifyView(status=VerifyStatus.RUNNING, round=payload.round, fixes=fixes)
        case VerifyFinished():
            verify = view.verify = view.verify or VerifyView()
            verify.status, verify.summary, verify.output_tail = payload.status, payload.summary, payload.output_tail
            verify.passed, verify.failed, verify.errors = payload.passed, payload.failed, payload.errors
            verify.duration_ms, verify.command_id = payload.duration_ms, payload.command_id
            verify.stale, verify.missing = not payload.conclusive, payload.missing
        case FixRequested():
            fix_requested(view, agent, payload)
        case ProjectPayload():
            apply_revision_event(view, payload)
        case RepairRequested():
            send_back(view, agent, payload.agent, payload.instructions,
                       MessageView(message_id=f"repair:{payload.agent}:{payload.round}:{event.timestamp}",
                                   agent=payload.agent, text="\n".join(payload.missing), complete=True,
                                   kind=MessageKind.REPAIR),
                       "Sending what was missing")
        case DeliverableMissing() if agent is not None:
            agent.missing = list(payload.missing)
        case BudgetDecided():
            budget_decided(view, payload)


_HANDLERS = {
    EventType.RUN_STARTED: _run_started,
    EventType.RUN_FINISHED: _run_finished,
    EventType.RUN_ERROR: _run_error,
    EventType.SUBAGENT_STARTED: _subagent_started,
    EventType.SUBAGENT_FINISHED: _subagent_finished,
    EventType.SUBAGENT_ERROR: _subagent_error,
    EventType.TEXT_MESSAGE_START: _text_start,
    EventType.TEXT_MESSAGE_CONTENT: _text_content,
    EventType.TEXT_MESSAGE_END: _text_end,
    EventType.CUSTOM: _custom,
}


@dataclass(frozen=True)
class SummaryChange:
    """What a batch of events changes in the run's row of the history list."""

    status: RunStatus | None = None
    tokens: int = 0
    cost_usd: float = 0.0
    verdict: VerifyStatus | None = None  # of the project's tests
    outcome: RunOutcome | None = None  # recorded by the event that set `status`


# Events that can change what the history list shows of a run; streamed text never does.
_SUMMARY_EVENTS = frozenset({EventType.RUN_STARTED, EventType.RUN_FINISHED, EventType.RUN_ERROR, EventType.CUSTOM})


def summary_change(events: Iterable[Event]) -> SummaryChange:
    """What the batch changes in the history list, by the fold's own rules: the status the last event that sets one
    puts the run in, and the usage and verdict the batch's CUSTOM events fold into a blank view."""
    status, outcome, probe = None, None, None
    for event in events:
        if event.type in _SUMMARY_EVENTS:
            if (changed := run_status(event)) is not None:
                status, outcome = changed, recorded_outcome(event)
            if event.type == EventType.CUSTOM:
                probe = probe or RunView(run_id="")
                _custom(probe, event)
    if probe is None:
        return SummaryChange(status, outcome=outcome)
    return SummaryChange(status, probe.tokens, probe.cost_usd, probe.verify and probe.verify.status, outcome)
