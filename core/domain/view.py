"""The view model of a run: what every page, API answer and pipeline decision reads. Only the fold writes it."""

from dataclasses import dataclass, field

from .status import AgentStatus, MessageKind, RunStatus, TERMINAL_RUN_STATUSES, WaitKind
from .timeline import Timeline

DEFAULT_EXPECTED_CHARS = 3000


@dataclass
class AgentView:
    name: str
    title: str
    status: AgentStatus = AgentStatus.IDLE
    task: str = ""
    streamed_chars: int = 0
    expected_chars: int = DEFAULT_EXPECTED_CHARS
    # Every call of the agent in this run (redone work too), as the service counted it; with the answer streaming
    # now, counted from its tokens until its call's count arrives. So the run's figures are the sum of its agents'.
    tokens_in: int = 0
    tokens_out: int = 0
    cost_usd: float = 0.0
    streamed_tokens: int = 0
    waiting: WaitKind | None = None  # a visible pause (rate limit, retry, pacing) and until when
    waiting_until_ms: int | None = None
    retries: int = 0
    started_ms: int | None = None
    finished_ms: int | None = None
    streaming: bool = False
    error: str | None = None
    subagent_run_id: str | None = None  # of its latest invocation

    @property
    def progress(self) -> float:
        if self.status == AgentStatus.DONE:
            return 1.0
        if self.status != AgentStatus.WORKING:
            return 0.0
        return min(0.95, 0.05 + 0.9 * self.streamed_chars / max(1, self.expected_chars))

    @property
    def tokens(self) -> int:
        return self.tokens_in + self.tokens_out + self.streamed_tokens

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
    kind: MessageKind = MessageKind.ANSWER
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
    status: RunStatus = RunStatus.RUNNING  # a run exists only once it has been launched
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
    tokens: int = 0  # every call of the run, redone agents included, once the service counted it
    cost_usd: float = 0.0
    approvals: list[str] = field(default_factory=list)  # agents whose artifact waits for the user's decision
    approved: set[str] = field(default_factory=set)
    pending: PendingApproval | None = None
    feedback: dict[str, str] = field(default_factory=dict)  # agent -> changes requested, until it redid its work
    revisions: dict[str, list[ArtifactView]] = field(default_factory=dict)  # agent -> earlier versions, oldest first
    pause_requested: bool = False
    queue_position: int | None = None  # waiting for a free slot: 1 = next
    timeline: Timeline = field(default_factory=Timeline)
    last_seq: int = 0

    @property
    def finished(self) -> bool:
        return self.status in TERMINAL_RUN_STATUSES

    @property
    def live_tokens(self) -> int:
        """The tokens counted so far and those of the answers streaming now: the sum of the agents' figures."""
        return self.tokens + sum(agent.streamed_tokens for agent in self.agents.values())

    def message(self, message_id: str) -> MessageView | None:
        # The message being streamed is almost always the last one.
        for message in reversed(self.messages):
            if message.message_id == message_id:
                return message
        return None
