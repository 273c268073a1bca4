"""The view model of a run and the one function that folds events into it.

`apply` is deterministic and does no I/O; it updates the view in place so that folding a long stream of tokens
stays linear. Live views and views rebuilt from the stored log go through the same code.
"""

from collections.abc import Iterable
from dataclasses import dataclass, field

from .events import (
    AGENT_TASK,
    AGENT_WAITING,
    APPROVAL,
    APPROVAL_DECIDED,
    ARTIFACT_SAVED,
    CANCELLED,
    EDIT,
    INTERRUPTED,
    MESSAGE_DISCARDED,
    PAUSE,
    PAUSE_REQUESTED,
    REQUEST_CHANGES,
    RUN_CONFIGURED,
    RUN_QUEUED,
    USAGE,
    EventType,
    StoredEvent,
)

DEFAULT_EXPECTED_CHARS = 3000
RUN_STATUSES = ("running", "waiting_approval", "paused", "completed", "failed", "cancelled", "interrupted")
TERMINAL_RUN_STATUSES = frozenset({"completed", "failed", "cancelled", "interrupted"})
AT_REST = frozenset({"paused", "waiting_approval"})  # stopped, with no task, but not over


@dataclass
class AgentView:
    name: str
    title: str
    status: str = "idle"
    task: str = ""
    streamed_chars: int = 0
    expected_chars: int = DEFAULT_EXPECTED_CHARS
    tokens_in: int = 0
    tokens_out: int = 0
    cost_usd: float = 0.0
    waiting: str | None = None  # kind of a visible pause (rate limit, retry, pacing); see core.errors.wait_message
    waiting_until_ms: int | None = None
    retries: int = 0
    started_ms: int | None = None
    finished_ms: int | None = None
    streaming: bool = False
    error: str | None = None
    subagent_run_id: str | None = None  # of its latest invocation

    @property
    def progress(self) -> float:
        if self.status == "done":
            return 1.0
        if self.status != "working":
            return 0.0
        return min(0.95, 0.05 + 0.9 * self.streamed_chars / max(1, self.expected_chars))

    @property
    def tokens(self) -> int:
        return self.tokens_in + self.tokens_out

    def elapsed_ms(self, now_ms: int) -> int:
        if self.started_ms is None:
            return 0
        return (self.finished_ms or now_ms) - self.started_ms


@dataclass
class MessageView:
    message_id: str
    agent: str
    text: str = ""
    complete: bool = False
    kind: str = "answer"  # "answer": an agent's streamed answer; "feedback": the user's request for changes
    subagent_run_id: str | None = None


@dataclass
class ArtifactView:
    agent: str
    title: str
    filename: str
    content: str
    edited: bool = False  # the user edited it at an approval checkpoint


@dataclass(frozen=True)
class PendingApproval:
    interrupt_id: str
    agent: str


@dataclass
class RunView:
    run_id: str
    brief: str = ""
    status: str = "running"  # a run exists only once it has been launched
    model: str = ""
    offline_demo: bool = False
    started_ms: int | None = None
    finished_ms: int | None = None
    error: str | None = None
    agents: dict[str, AgentView] = field(default_factory=dict)
    messages: list[MessageView] = field(default_factory=list)
    artifacts: dict[str, ArtifactView] = field(default_factory=dict)
    subagents: dict[str, str] = field(default_factory=dict)  # subagent run id -> agent name
    segments: int = 0  # how often the run was started: once, plus once per resume or decision
    tokens: int = 0  # every call of the run, redone agents included
    cost_usd: float = 0.0
    approvals: list[str] = field(default_factory=list)  # agents whose artifact waits for the user's decision
    approved: set[str] = field(default_factory=set)
    pending: PendingApproval | None = None
    feedback: dict[str, str] = field(default_factory=dict)  # agent -> changes requested, until it redid its work
    revisions: dict[str, list[ArtifactView]] = field(default_factory=dict)  # agent -> earlier versions, oldest first
    pause_requested: bool = False
    queue_position: int | None = None  # waiting for a free slot: 1 = next
    last_seq: int = 0

    @property
    def finished(self) -> bool:
        return self.status in TERMINAL_RUN_STATUSES

    def message(self, message_id: str) -> MessageView | None:
        # The message being streamed is almost always the last one.
        for message in reversed(self.messages):
            if message.message_id == message_id:
                return message
        return None


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
    return view


def _run_started(view: RunView, event) -> None:
    meta = event.metadata or {}
    view.brief = meta.get("brief", view.brief)
    view.model = meta.get("model", view.model)
    view.offline_demo = bool(meta.get("offline_demo", view.offline_demo))
    view.status, view.error, view.finished_ms = "running", None, None
    view.started_ms = view.started_ms or event.timestamp
    view.segments += 1
    view.queue_position = view.pending = None
    for agent in meta.get("agents", ()):
        view.agents.setdefault(agent["name"], AgentView(name=agent["name"], title=agent["title"]))
    for agent in view.agents.values():
        if agent.name in view.artifacts:  # a checkpoint left undecided is asked again by the pipeline
            agent.status = "done"
        else:  # a resumed run runs again whatever has no artifact yet
            agent.status, agent.error, agent.task = "queued", None, ""


def _run_finished(view: RunView, event) -> None:
    outcome = event.outcome
    view.finished_ms = event.timestamp
    kind = getattr(outcome, "type", "success")
    if kind == "interrupt":
        view.status = "paused"
        for interrupt in outcome.interrupts:
            if interrupt.reason == APPROVAL:
                agent = (interrupt.metadata or {}).get("agent", "")
                view.status, view.pending = "waiting_approval", PendingApproval(interrupt.id, agent)
                if agent in view.agents:
                    view.agents[agent].status = "waiting_approval"
            elif interrupt.reason == PAUSE:
                view.pause_requested = False
        return
    view.status = "completed" if kind == "success" else "cancelled"
    if kind == "cancelled":
        _settle_unfinished_agents(view, "cancelled", "cancelled")


def _run_error(view: RunView, event) -> None:
    view.status = "interrupted" if event.code == INTERRUPTED else "failed"
    view.error = event.message
    view.finished_ms = event.timestamp
    _settle_unfinished_agents(view, "skipped", "failed")


def _settle_unfinished_agents(view: RunView, queued_status: str, working_status: str) -> None:
    view.pending, view.pause_requested, view.queue_position = None, False, None
    for agent in view.agents.values():
        if agent.status == "waiting_approval":  # its artifact stands
            agent.status = "done"
        elif agent.status == "queued":
            agent.status = queued_status
        elif agent.status == "working":
            agent.status, agent.streaming, agent.finished_ms = working_status, False, view.finished_ms
            agent.waiting = agent.waiting_until_ms = None
            if working_status == "failed":
                agent.error = agent.error or view.error


def _subagent_started(view: RunView, event) -> None:
    view.subagents[event.subagent_run_id] = event.name
    meta = event.metadata or {}
    agent = view.agents.setdefault(event.name, AgentView(name=event.name, title=meta.get("title", event.name)))
    agent.status, agent.error, agent.task = "working", None, meta.get("task", "Starting")
    agent.subagent_run_id = event.subagent_run_id
    agent.started_ms, agent.finished_ms = event.timestamp, None
    agent.streamed_chars, agent.tokens_in, agent.tokens_out, agent.cost_usd = 0, 0, 0, 0.0
    agent.waiting = agent.waiting_until_ms = None
    agent.retries = 0
    agent.expected_chars = meta.get("expected_chars", DEFAULT_EXPECTED_CHARS)


def _subagent_agent(view: RunView, event) -> AgentView | None:
    name = view.subagents.get(event.subagent_run_id or "")
    return view.agents.get(name) if name else None


def _subagent_finished(view: RunView, event) -> None:
    agent = _subagent_agent(view, event)
    if agent is not None:
        agent.status, agent.streaming, agent.task = "done", False, "Finished"
        agent.waiting = agent.waiting_until_ms = None
        agent.finished_ms = event.timestamp


def _subagent_error(view: RunView, event) -> None:
    agent = _subagent_agent(view, event)
    if agent is not None:
        cancelled = event.code == CANCELLED
        agent.status, agent.streaming = ("cancelled" if cancelled else "failed"), False
        agent.error = None if cancelled else event.message
        agent.task = "Stopped"
        agent.waiting = agent.waiting_until_ms = None
        agent.finished_ms = event.timestamp


def _text_start(view: RunView, event) -> None:
    name = view.subagents.get(event.subagent_run_id or "", "")
    view.messages.append(MessageView(message_id=event.message_id, agent=name, subagent_run_id=event.subagent_run_id))
    if agent := view.agents.get(name):
        agent.streaming = True


def _text_content(view: RunView, event) -> None:
    message = view.message(event.message_id)
    if message is None:
        return
    message.text += event.delta
    if agent := view.agents.get(message.agent):
        agent.streamed_chars += len(event.delta)
        agent.tokens_out += 1
        agent.waiting = agent.waiting_until_ms = None


def _text_end(view: RunView, event) -> None:
    message = view.message(event.message_id)
    if message is None:
        return
    message.complete = True
    if agent := view.agents.get(message.agent):
        agent.streaming = False


def _custom(view: RunView, event) -> None:
    value = event.value if isinstance(event.value, dict) else {}
    agent = view.agents.get(value.get("agent", ""))
    if event.name == AGENT_TASK and agent is not None:
        agent.task = value["task"]
    elif event.name == ARTIFACT_SAVED and agent is not None:
        view.artifacts[agent.name] = ArtifactView(
            agent=agent.name, title=value["title"], filename=value["filename"], content=value["content"])
        view.feedback.pop(agent.name, None)
    elif event.name == USAGE:
        view.tokens += value["prompt_tokens"] + value["completion_tokens"]
        view.cost_usd += value.get("cost_usd", 0.0)
        if agent is not None:
            agent.tokens_in, agent.tokens_out = value["prompt_tokens"], value["completion_tokens"]
            agent.cost_usd = value.get("cost_usd", 0.0)
    elif event.name == AGENT_WAITING and agent is not None:
        agent.waiting, agent.waiting_until_ms = value["kind"], value["until_ms"]
        agent.retries += value["kind"] != "pacing"
    elif event.name == MESSAGE_DISCARDED:
        view.messages = [m for m in view.messages if m.message_id != value["message_id"]]
        if agent is not None:
            agent.streamed_chars, agent.tokens_out, agent.streaming = 0, 0, False
    elif event.name == RUN_CONFIGURED:
        view.brief, view.approvals = value["brief"], list(value.get("approvals", ()))
    elif event.name == RUN_QUEUED:
        view.queue_position = value["position"]
    elif event.name == PAUSE_REQUESTED:
        view.pause_requested = True
    elif event.name == APPROVAL_DECIDED:
        _approval_decided(view, agent, value)


def _approval_decided(view: RunView, agent: AgentView | None, value: dict) -> None:
    """Approve keeps the artifact; edit replaces it with the user's text; request changes sends the agent back to
    work with the feedback. Earlier versions are kept in `revisions`. The run goes on at once."""
    view.status, view.pending, view.finished_ms = "running", None, None
    name, decision = value["agent"], value["decision"]
    artifact = view.artifacts.get(name)
    if decision in (EDIT, REQUEST_CHANGES) and artifact is not None:
        view.revisions.setdefault(name, []).append(artifact)
    if decision == REQUEST_CHANGES:
        view.artifacts.pop(name, None)
        view.feedback[name] = value["feedback"]
        view.approved.discard(name)
        view.messages.append(MessageView(message_id=value["interrupt_id"], agent=name, text=value["feedback"],
                                         complete=True, kind="feedback"))
        if agent is not None:
            agent.status, agent.task = "queued", "Changes requested"
        return
    if decision == EDIT and artifact is not None:
        view.artifacts[name] = ArtifactView(name, artifact.title, artifact.filename, value["content"], edited=True)
    view.approved.add(name)
    if agent is not None:
        agent.status, agent.task = "done", "Edited and approved" if decision == EDIT else "Approved"


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

    status: str | None = None
    tokens: int = 0
    cost_usd: float = 0.0


# Events that can change what the history list shows of a run; streamed text never does.
_SUMMARY_EVENTS = frozenset({EventType.RUN_STARTED, EventType.RUN_FINISHED, EventType.RUN_ERROR, EventType.CUSTOM})


def summary_change(events: Iterable) -> SummaryChange:
    """Fold the batch into an empty view: the run list's status and usage follow exactly the fold's rules."""
    probe = None
    for event in events:
        if event.type in _SUMMARY_EVENTS:
            probe = probe or RunView(run_id="", status="")
            _HANDLERS[event.type](probe, event)
    if probe is None:
        return SummaryChange()
    return SummaryChange(probe.status or None, probe.tokens, probe.cost_usd)
