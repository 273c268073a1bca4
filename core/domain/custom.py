"""BotArmy's own kinds of AG-UI CUSTOM events, each with a pydantic model of its payload.

An event is made from its payload (`custom(AgentTask(...))`), checked when it is appended to a log (`check`), and
read back as its model when folded (`payload_of`). A kind or a field that is not declared here is refused at the
append, so a misspelt name fails loudly instead of being ignored by every view.
"""

from enum import StrEnum
from typing import ClassVar, TypeVar, cast

from pydantic import BaseModel, ConfigDict, ValidationError

from .events import CustomEvent, Event, EventType, TextMessageEndEvent, now_ms
from .status import CommandEnd, CommandOrigin, CommandStatus, Decision, Missing, VerifyStatus, WaitKind


class CustomKind(StrEnum):
    AGENT_TASK = "agent_task"
    ARTIFACT_SAVED = "artifact_saved"
    USAGE = "usage"
    AGENT_WAITING = "agent_waiting"
    MESSAGE_DISCARDED = "message_discarded"
    RUN_CONFIGURED = "run_configured"
    RUN_QUEUED = "run_queued"
    PAUSE_REQUESTED = "pause_requested"
    APPROVAL_DECIDED = "approval_decided"
    COMMAND_REQUESTED = "command_requested"
    COMMAND_STARTED = "command_started"
    COMMAND_OUTPUT = "command_output"
    COMMAND_INTERRUPT_REQUESTED = "command_interrupt_requested"
    COMMAND_ENDED = "command_ended"
    VERIFY_STARTED = "verify_started"
    VERIFY_FINISHED = "verify_finished"
    FIX_REQUESTED = "fix_requested"
    REPAIR_REQUESTED = "repair_requested"
    DELIVERABLE_MISSING = "deliverable_missing"
    BUDGET_DECIDED = "budget_decided"


# Every payload model by its kind. A model registers itself when its module is imported (the project's revisions
# declare theirs in core.domain.revision_events, which the fold imports), so a kind is declared once, where its
# feature lives.
PAYLOADS: dict[str, type["Payload"]] = {}


class Payload(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    KIND: ClassVar[StrEnum]

    @classmethod
    def __pydantic_init_subclass__(cls, **kwargs) -> None:
        super().__pydantic_init_subclass__(**kwargs)
        if "KIND" in cls.__dict__:  # a base class of several payloads has no kind of its own
            if cls.KIND in PAYLOADS:
                raise TypeError(f"two payload models of the custom event kind {cls.KIND!r}")
            PAYLOADS[cls.KIND] = cls


class AgentTask(Payload):
    """What the agent's card says it is doing."""

    KIND = CustomKind.AGENT_TASK
    agent: str
    task: str


class ArtifactSaved(Payload):
    """An agent's finished answer, kept as its artifact."""

    KIND = CustomKind.ARTIFACT_SAVED
    agent: str
    title: str
    filename: str
    content: str


class Usage(Payload):
    """Tokens and cost of one call of an agent, with the model it called."""

    KIND = CustomKind.USAGE
    agent: str
    prompt_tokens: int
    completion_tokens: int
    estimated: bool = False  # the service sent no usage: counted from the text
    cost_usd: float = 0.0  # logs from before prices existed have none
    model: str = ""  # logs from before models per role have none: the run's model
    cached_tokens: int = 0  # of prompt_tokens, read from the service's prompt cache (priced at its cached rate)


class AgentWaiting(Payload):
    """A visible pause before an agent calls the AI service (again), with when it ends."""

    KIND = CustomKind.AGENT_WAITING
    agent: str
    kind: WaitKind
    until_ms: int
    attempt: int


class MessageDiscarded(Payload):
    """A partial answer that broke off: void, in every view and in the artifact."""

    KIND = CustomKind.MESSAGE_DISCARDED
    agent: str
    message_id: str
    reason: str


class RunConfigured(Payload):
    """The run's choices, recorded when it is created."""

    KIND = CustomKind.RUN_CONFIGURED
    brief: str
    approvals: list[str] = []  # agents whose artifact waits for the user's decision
    models: dict[str, str] = {}  # agent -> the model it calls, resolved (logs from before: the run's model)
    prompts: dict[str, str] = {}  # agent -> the system prompt the user wrote in place of the default
    soft_budget_usd: float | None = None  # spending at which the run asks before going on; None: it never asks
    run_tests: bool = True  # run the project's tests after the Tester


class RunQueued(Payload):
    """The run waits for a free slot; 1 = next."""

    KIND = CustomKind.RUN_QUEUED
    position: int


class PauseRequested(Payload):
    """The run pauses at its next safe point."""

    KIND = CustomKind.PAUSE_REQUESTED


class ApprovalDecided(Payload):
    """The user's decision at a checkpoint; `feedback` with request_changes, `content` with edit."""

    KIND = CustomKind.APPROVAL_DECIDED
    interrupt_id: str
    agent: str
    decision: Decision
    feedback: str | None = None
    content: str | None = None


class CommandRequested(Payload):
    """A command asked for in the run's workspace, recorded before anything runs."""

    KIND = CustomKind.COMMAND_REQUESTED
    command_id: str
    command: str
    origin: CommandOrigin = CommandOrigin.USER


class CommandStarted(Payload):
    """The command's process started, in the sandbox unless the server runs commands without one."""

    KIND = CustomKind.COMMAND_STARTED
    command_id: str
    sandboxed: bool = True


class CommandOutput(Payload):
    """What the command printed since the last batch: stdout and stderr interleaved, as a terminal shows them."""

    KIND = CustomKind.COMMAND_OUTPUT
    command_id: str
    text: str
    cut: bool = False  # the output the run keeps ends here; the rest is only in the command's log file


class CommandInterruptRequested(Payload):
    """The user asked to stop the command (Stop, Ctrl-C or the API)."""

    KIND = CustomKind.COMMAND_INTERRUPT_REQUESTED
    command_id: str


class CommandEnded(Payload):
    """How the command ended; `message` says it in a sentence."""

    KIND = CustomKind.COMMAND_ENDED
    command_id: str
    status: CommandStatus
    ending: CommandEnd
    exit_code: int | None = None
    duration_ms: int = 0
    output_bytes: int = 0  # everything it printed, the part the run does not keep included
    message: str = ""


class VerifyStarted(Payload):
    """The pipeline runs the project's tests; `round` 0 is the first time, n the time after the n-th fix."""

    KIND = CustomKind.VERIFY_STARTED
    round: int = 0


class VerifyFinished(Payload):
    """The verdict on the project's tests; `output_tail` is the end of their output without colours."""

    KIND = CustomKind.VERIFY_FINISHED
    status: VerifyStatus
    summary: str
    passed: int = 0
    failed: int = 0
    errors: int = 0
    duration_ms: int = 0
    command_id: str | None = None
    output_tail: str = ""
    conclusive: bool = True  # False: the tests were cut short, and run again when the run goes on
    missing: Missing | None = None  # with status `missing`: what the project lacks


class FixRequested(Payload):
    """The tests failed: the agent revises its work with their output, as after a request for changes."""

    KIND = CustomKind.FIX_REQUESTED
    agent: str
    round: int
    feedback: str


class RepairRequested(Payload):
    """An agent's answer lacked what it must deliver: it is asked again, told what was missing and in what form."""

    KIND = CustomKind.REPAIR_REQUESTED
    agent: str
    round: int
    missing: list[str]  # one sentence per thing lacking
    instructions: str  # what the agent is told, the variable end of its next request


class DeliverableMissing(Payload):
    """After its repair rounds, the agent's answer still lacks what it must deliver; the run goes on without it."""

    KIND = CustomKind.DELIVERABLE_MISSING
    agent: str
    missing: list[str]


class BudgetDecided(Payload):
    """The user's answer when the run reached its soft budget: go on with a higher ceiling, or stop."""

    KIND = CustomKind.BUDGET_DECIDED
    interrupt_id: str
    proceed: bool
    soft_budget_usd: float | None = None  # the new ceiling, when the run goes on


class UnknownCustomEvent(ValueError):
    """A CUSTOM event whose kind or payload is not one of BotArmy's."""


def custom(payload: Payload, timestamp: int | None = None) -> CustomEvent:
    """The payload as its CUSTOM event, stamped now, or at `timestamp` when the payload's own times are from it."""
    return CustomEvent(name=payload.KIND, value=payload.model_dump(mode="json", exclude_none=True),
                       timestamp=now_ms() if timestamp is None else timestamp)


def payload_of(event: CustomEvent) -> Payload:
    """The event's payload as its model; UnknownCustomEvent for a kind or a payload not declared here."""
    model = PAYLOADS.get(event.name)
    if model is None:
        raise UnknownCustomEvent(f"unknown custom event kind {event.name!r}; known: {', '.join(PAYLOADS)}")
    try:
        return model.model_validate(event.value)
    except ValidationError as error:
        raise UnknownCustomEvent(f"custom event {event.name!r} has a payload that does not fit: {error}") from error


P = TypeVar("P", bound=Payload)


def payload_as(event: Event, model: type[P]) -> P | None:
    """The event's payload when it is a CUSTOM event of `model`'s kind; None for any other event (not parsed)."""
    if event.type != EventType.CUSTOM or event.name != model.KIND:
        return None
    return cast(P, payload_of(event))


def check(events: list[Event]) -> None:
    """Refuse a batch that holds a CUSTOM event this module does not declare (before anything is written)."""
    for event in events:
        if event.type == EventType.CUSTOM:
            payload_of(event)


def discard_answer(agent: str, message_id: str, subagent_run_id: str | None, reason: str) -> list[Event]:
    """End a half-written answer and void it: no view, and no artifact, keeps a fragment."""
    return [TextMessageEndEvent(message_id=message_id, subagent_run_id=subagent_run_id),
            custom(MessageDiscarded(agent=agent, message_id=message_id, reason=reason))]
