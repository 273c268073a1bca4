"""The view model of a run: what every page, API answer and pipeline decision reads. Only the fold writes it."""

from dataclasses import dataclass, field

from .status import (
    TERMINAL_RUN_STATUSES,
    AgentStatus,
    CommandEnd,
    CommandOrigin,
    CommandStatus,
    MessageKind,
    Missing,
    RunStatus,
    VerifyStatus,
    WaitKind,
)
from .files import ArtifactView, FileView, ProjectView
from .timeline import Timeline
from .usage import UsageLedger

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
    cached_tokens: int = 0  # of tokens_in, read from the service's prompt cache
    cost_usd: float = 0.0
    streamed_tokens: int = 0
    model: str = ""  # of its latest step
    waiting: WaitKind | None = None  # a visible pause (rate limit, retry, pacing) and until when
    waiting_until_ms: int | None = None
    retries: int = 0
    started_ms: int | None = None
    finished_ms: int | None = None
    streaming: bool = False
    error: str | None = None
    missing: list[str] = field(default_factory=list)  # what its answer still lacked after its repair rounds
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

    @property
    def cached_share(self) -> float:
        """The part of its prompt tokens the service had cached, 0 to 1."""
        return self.cached_tokens / self.tokens_in if self.tokens_in else 0.0

    def elapsed_ms(self, now_ms: int) -> int:
        if self.started_ms is None:
            return 0
        return (self.finished_ms or now_ms) - self.started_ms


class MessageView:
    """One message. Streamed text is kept as the pieces that arrived, so taking a token costs the same however long
    the answer is, and a viewer asks for what came `since` the length it shows: no copy of the whole text per
    token, no comparison of prefixes."""

    __slots__ = ("message_id", "agent", "complete", "kind", "subagent_run_id", "revision", "length", "_pieces")

    def __init__(self, message_id: str, agent: str, text: str = "", complete: bool = False,
                 kind: MessageKind = MessageKind.ANSWER, subagent_run_id: str | None = None,
                 revision: int = 1) -> None:
        self.message_id, self.agent, self.complete, self.kind = message_id, agent, complete, kind
        self.subagent_run_id, self.revision = subagent_run_id, revision  # of the project
        self.length = len(text)
        self._pieces = [text] if text else []

    def add(self, delta: str) -> None:
        self._pieces.append(delta)
        self.length += len(delta)

    @property
    def text(self) -> str:
        """The whole text, joined once when asked for (and kept joined until more arrives)."""
        if len(self._pieces) > 1:
            self._pieces[:] = ["".join(self._pieces)]
        return self._pieces[0] if self._pieces else ""

    def since(self, offset: int) -> str:
        """The text after its first `offset` characters, in time proportional to what is returned."""
        missing = self.length - offset
        tail: list[str] = []
        for piece in reversed(self._pieces):
            if missing <= 0:
                break
            tail.append(piece if len(piece) <= missing else piece[-missing:])
            missing -= len(piece)
        return "".join(reversed(tail))

    def _fields(self) -> tuple:
        return self.message_id, self.agent, self.complete, self.kind, self.subagent_run_id, self.revision, self.text

    def __eq__(self, other: object) -> bool:
        return isinstance(other, MessageView) and self._fields() == other._fields()

    __hash__ = None  # mutable, like the dataclasses beside it

    def __repr__(self) -> str:
        return f"MessageView({self.message_id!r}, {self.agent!r}, length={self.length}, complete={self.complete})"


@dataclass
class CommandView:
    """One command in the run's workspace. Its output is kept as the batches it arrived in, so folding a long
    output stays linear."""

    command_id: str
    command: str
    origin: CommandOrigin
    status: CommandStatus = CommandStatus.RUNNING
    requested_ms: int | None = None
    started_ms: int | None = None
    ended_ms: int | None = None
    sandboxed: bool = True
    chunks: list[str] = field(default_factory=list)
    chunk_ends: list[int] = field(default_factory=list)  # where each chunk ends in the output, to find one fast
    output_chars: int = 0
    cut: bool = False  # the run keeps its output only up to here; the whole of it is in its log file
    interrupt_requested: bool = False
    ending: CommandEnd | None = None
    exit_code: int | None = None
    duration_ms: int = 0
    output_bytes: int = 0
    message: str = ""

    @property
    def output(self) -> str:
        return "".join(self.chunks)

    @property
    def running(self) -> bool:
        return self.status == CommandStatus.RUNNING


@dataclass
class VerifyView:
    """The project's tests as the pipeline last ran them."""

    status: VerifyStatus = VerifyStatus.PENDING
    round: int = 0  # 0: the first run; n: after the n-th fix
    fixes: int = 0  # fixes asked for so far
    passed: int = 0
    failed: int = 0
    errors: int = 0
    duration_ms: int = 0
    summary: str = ""
    output_tail: str = ""
    command_id: str | None = None
    stale: bool = False  # an artifact changed after the verdict, or the tests were cut short: they run again
    missing: Missing | None = None  # with status `missing`: what the project lacks


@dataclass(frozen=True)
class PendingApproval:
    interrupt_id: str
    agent: str


@dataclass(frozen=True)
class PendingBudget:
    """The run reached its soft budget before `agent`'s next call and waits for the user to allow more."""

    interrupt_id: str
    agent: str
    message: str
    add_usd: float  # what "continue" adds to the soft budget unless the user says otherwise


@dataclass(frozen=True)
class Step:
    """What one invocation of an agent was told: the model it called and its system prompt."""

    model: str
    system_prompt: str


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
    pending_budget: PendingBudget | None = None
    models: dict[str, str] = field(default_factory=dict)  # agent -> the model it calls (RunConfigured, resolved)
    prompts: dict[str, str] = field(default_factory=dict)  # agent -> the system prompt the user wrote for this run
    soft_budget_usd: float | None = None  # spending at which the run asks before going on (raised by the user)
    budget_stopped: bool = False  # the user stopped the run at its soft budget
    run_tests: bool = True
    steps: dict[str, Step] = field(default_factory=dict)  # subagent run id -> what that invocation was told
    usage: UsageLedger = field(default_factory=UsageLedger)
    feedback: dict[str, str] = field(default_factory=dict)  # agent -> changes requested, until it redid its work
    revisions: dict[str, list[ArtifactView]] = field(default_factory=dict)  # agent -> earlier versions, oldest first
    pause_requested: bool = False
    queue_position: int | None = None  # waiting for a free slot: 1 = next
    commands: dict[str, CommandView] = field(default_factory=dict)  # in the order they were asked for
    verify: VerifyView | None = None  # None until the pipeline first runs the project's tests
    timeline: Timeline = field(default_factory=Timeline)
    project: ProjectView = field(default_factory=ProjectView)  # its files, commits and revisions
    last_seq: int = 0
    # The last event that changed more than an answer's streamed text and its counts: a viewer that showed the view
    # at this number redraws only what streams.
    last_change_seq: int = 0

    @property
    def files(self) -> dict[str, FileView]:
        """The project's files as they stand, by path."""
        return self.project.files

    @property
    def finished(self) -> bool:
        return self.status in TERMINAL_RUN_STATUSES

    @property
    def running_command(self) -> CommandView | None:
        """The command that runs now: commands of a run take turns, so at most one does."""
        latest = next(reversed(self.commands.values()), None)
        return latest if latest is not None and latest.running else None

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
