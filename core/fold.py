"""The view model of a run and the one function that folds events into it.

`apply` is deterministic and does no I/O; it updates the view in place so that folding a long stream of tokens
stays linear. Live views and views rebuilt from the stored log go through the same code.
"""

from collections.abc import Iterable
from dataclasses import dataclass, field

from .events import (
    AGENT_TASK,
    AGENT_WAITING,
    ARTIFACT_SAVED,
    INTERRUPTED,
    MESSAGE_DISCARDED,
    USAGE,
    EventType,
    StoredEvent,
)

DEFAULT_EXPECTED_CHARS = 3000
TERMINAL_RUN_STATUSES = frozenset({"completed", "failed", "cancelled", "interrupted"})


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


@dataclass
class ArtifactView:
    agent: str
    title: str
    filename: str
    content: str


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
    segments: int = 0  # how often the run was started: once, plus once per resume
    last_seq: int = 0

    @property
    def finished(self) -> bool:
        return self.status in TERMINAL_RUN_STATUSES

    @property
    def tokens(self) -> int:
        return sum(agent.tokens for agent in self.agents.values())

    @property
    def cost_usd(self) -> float:
        return sum(agent.cost_usd for agent in self.agents.values())

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
    for agent in meta.get("agents", ()):
        view.agents.setdefault(agent["name"], AgentView(name=agent["name"], title=agent["title"]))
    for agent in view.agents.values():
        if agent.status != "done":  # a resumed run runs again whatever has no artifact yet
            agent.status, agent.error, agent.task = "queued", None, ""


def _run_finished(view: RunView, event) -> None:
    outcome = getattr(event.outcome, "type", "success")
    view.status = {"success": "completed", "cancelled": "cancelled", "interrupt": "waiting_approval"}[outcome]
    view.finished_ms = event.timestamp
    if outcome == "cancelled":
        _settle_unfinished_agents(view, "cancelled", "cancelled")


def _run_error(view: RunView, event) -> None:
    view.status = "interrupted" if event.code == INTERRUPTED else "failed"
    view.error = event.message
    view.finished_ms = event.timestamp
    _settle_unfinished_agents(view, "skipped", "failed")


def _settle_unfinished_agents(view: RunView, queued_status: str, working_status: str) -> None:
    for agent in view.agents.values():
        if agent.status == "queued":
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
        agent.status, agent.streaming, agent.error = "failed", False, event.message
        agent.task = "Stopped"
        agent.waiting = agent.waiting_until_ms = None
        agent.finished_ms = event.timestamp


def _text_start(view: RunView, event) -> None:
    name = view.subagents.get(event.subagent_run_id or "", "")
    view.messages.append(MessageView(message_id=event.message_id, agent=name))
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
    elif event.name == USAGE and agent is not None:
        agent.tokens_in, agent.tokens_out = value["prompt_tokens"], value["completion_tokens"]
        agent.cost_usd = value.get("cost_usd", 0.0)
    elif event.name == AGENT_WAITING and agent is not None:
        agent.waiting, agent.waiting_until_ms = value["kind"], value["until_ms"]
        agent.retries += value["kind"] != "pacing"
    elif event.name == MESSAGE_DISCARDED:
        view.messages = [m for m in view.messages if m.message_id != value["message_id"]]
        if agent is not None:
            agent.streamed_chars, agent.tokens_out, agent.streaming = 0, 0, False


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


def run_status_after(event) -> str | None:
    """The run status an event sets, for the store's run list; None when it does not change it."""
    if event.type not in {EventType.RUN_STARTED, EventType.RUN_FINISHED, EventType.RUN_ERROR}:
        return None
    probe = RunView(run_id="")
    _HANDLERS[event.type](probe, event)
    return probe.status
