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
    TEST_FAILURE = "test_failure"  # the project's failing tests, sent back to the agent that fixes them
    CHANGE_REQUEST = "change_request"  # what the user asked of a new revision of the project (or a restore)
    EDIT_FAILURE = "edit_failure"  # an agent's edits that could not be applied, and why: it tries again
    EDIT_REFUSED = "edit_refused"  # the user's edit of an answer at an approval that did not fit the files, and why
    REPAIR = "repair"  # what an agent's answer lacked, sent back to it in a repair round


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
    BUDGET = "budget"  # the next call could take the run past its soft budget: the user allows more, or stops


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
    EDITS_FAILED = "edits_failed"  # the agent's edits could not be applied, however often it tried


class CommandOrigin(StrEnum):
    """Who asked for a command in a run's workspace."""

    USER = "user"  # typed in the terminal, or sent to the API
    VERIFY = "verify"  # the pipeline runs the project's tests (and installs what they need)


class CommandStatus(StrEnum):
    """How a command stands, as the terminal's status shows it (UI contract: command-status data-status)."""

    RUNNING = "running"
    PASSED = "passed"  # exit code 0
    FAILED = "failed"  # another exit code, a signal, or a limit other than time
    INTERRUPTED = "interrupted"  # Stop, Ctrl-C, the run's cancel, or a server stop
    TIMEOUT = "timeout"  # the wall-time limit
    REFUSED = "refused"  # never started: no sandbox to run it in


class CommandEnd(StrEnum):
    """Why a command ended, in more detail than its status."""

    EXITED = "exited"  # by itself, with an exit code
    SIGNALLED = "signalled"  # killed by a signal it did not get from BotArmy (a CPU or file-size limit, a crash)
    INTERRUPTED = "interrupted"  # the user's Stop or Ctrl-C
    CANCELLED = "cancelled"  # the run was cancelled or deleted while it ran
    TIME_LIMIT = "time_limit"
    MEMORY_LIMIT = "memory_limit"
    OUTPUT_LIMIT = "output_limit"
    SERVER_STOPPED = "server_stopped"  # the server stopped or crashed while it ran
    REFUSED = "refused"


class VerifyStatus(StrEnum):
    """The result of running the project's tests after the Tester (UI contract: verify-status data-status)."""

    PENDING = "pending"
    RUNNING = "running"
    PASSED = "passed"
    FAILED = "failed"
    MISSING = "missing"  # not run: the agents' answers held no code or no tests after their repair rounds
    SKIPPED = "skipped"  # turned off, refused by the sandbox, or stopped before a verdict: the summary says which


class Missing(StrEnum):
    """What a project lacks for its tests to run, once the agents' repair rounds are over."""

    CODE = "code"
    TESTS = "tests"


TERMINAL_RUN_STATUSES = frozenset({RunStatus.COMPLETED, RunStatus.FAILED, RunStatus.CANCELLED,
                                   RunStatus.INTERRUPTED})
AT_REST = frozenset({RunStatus.PAUSED, RunStatus.WAITING_APPROVAL})  # stopped, with no task, but not over
RESUMABLE = frozenset({RunStatus.INTERRUPTED, RunStatus.FAILED, RunStatus.CANCELLED, RunStatus.PAUSED})
NOT_WORKING = TERMINAL_RUN_STATUSES | AT_REST  # the run's duration stops counting
