"""Every status a run, an agent, a stage and a message can be in: the one place these names are spelled."""

from enum import StrEnum


class RunStatus(StrEnum):
    RUNNING = "running"
    WAITING_APPROVAL = "waiting_approval"
    PAUSED = "paused"
    COMPLETED = "completed"
    FAILED = "failed"
    CANCELLED = "cancelled"
    INTERRUPTED = "interrupted"


class AgentStatus(StrEnum):
    IDLE = "idle"
    QUEUED = "queued"
    WORKING = "working"
    WAITING_APPROVAL = "waiting_approval"
    DONE = "done"
    FAILED = "failed"
    SKIPPED = "skipped"
    CANCELLED = "cancelled"


class MessageKind(StrEnum):
    ANSWER = "answer"  # an agent's streamed answer
    FEEDBACK = "feedback"  # the user's request for changes, between two answers of an agent


class WaitKind(StrEnum):
    """Why an agent visibly waits before it calls the AI service (again): a state, never an error."""

    RATE_LIMITED = "rate_limited"  # the service answered 429
    SERVICE_ERROR = "service_error"  # the service failed and is retried
    CONNECTION = "connection"  # the connection broke and is retried
    PACING = "pacing"  # the client keeps within its own rate limit


class InterruptReason(StrEnum):
    """Why a run segment ended with an interrupt (RUN_FINISHED, outcome `interrupt`)."""

    APPROVAL = "approval"  # an agent's artifact waits for the user's decision
    PAUSE = "pause"  # the user paused the run


class Decision(StrEnum):
    """The user's answer at an approval checkpoint."""

    APPROVE = "approve"
    REQUEST_CHANGES = "request_changes"
    EDIT = "edit"


class ErrorCode(StrEnum):
    """Codes of RUN_ERROR and SUBAGENT_ERROR events that BotArmy itself sets; an agent's failure to get an answer
    carries the AI service's failure kind instead (core.llm.errors)."""

    INTERRUPTED = "interrupted"  # a server stop cut the run short
    CANCELLED = "cancelled"  # the user cancelled the run
    BUDGET = "budget"  # the next call could take the run past its budget
    AGENT_FAILED = "agent_failed"  # the run ended with an agent that failed for good
    INTERNAL = "internal"  # a bug: logged, and told to the user in a sentence
    EMPTY_ANSWER = "empty_answer"  # the model answered nothing


TERMINAL_RUN_STATUSES = frozenset({RunStatus.COMPLETED, RunStatus.FAILED, RunStatus.CANCELLED,
                                   RunStatus.INTERRUPTED})
AT_REST = frozenset({RunStatus.PAUSED, RunStatus.WAITING_APPROVAL})  # stopped, with no task, but not over
RESUMABLE = frozenset({RunStatus.INTERRUPTED, RunStatus.FAILED, RunStatus.CANCELLED, RunStatus.PAUSED})
NOT_WORKING = TERMINAL_RUN_STATUSES | AT_REST  # the run's duration stops counting
