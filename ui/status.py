"""How statuses, times and money read and look, shared by the run badge, the agent cards and the lists."""

from datetime import datetime

from core.domain.outcome import LABELS as OUTCOME_LABELS
from core.domain.outcome import RunOutcome
from core.domain.status import AgentStatus, RunStatus

from .live_value import LiveText

Status = AgentStatus | RunStatus

# Both enums spell waiting_approval, failed and cancelled alike; StrEnum members that are equal share an entry.
LABELS: dict[Status, str] = {
    AgentStatus.IDLE: "Idle", AgentStatus.QUEUED: "Queued", AgentStatus.WORKING: "Working",
    AgentStatus.WAITING_APPROVAL: "Waiting for approval", AgentStatus.DONE: "Done", AgentStatus.FAILED: "Failed",
    AgentStatus.SKIPPED: "Skipped", AgentStatus.CANCELLED: "Cancelled", RunStatus.RUNNING: "Running",
    RunStatus.PAUSED: "Paused", RunStatus.COMPLETED: "Completed", RunStatus.INTERRUPTED: "Interrupted",
}

# Badge colours: white text on each passes WCAG AA (4.5:1).
COLORS: dict[Status, str] = {
    AgentStatus.IDLE: "grey-8", AgentStatus.QUEUED: "blue-grey-7", AgentStatus.WORKING: "primary",
    AgentStatus.WAITING_APPROVAL: "deep-orange-10", AgentStatus.DONE: "positive", AgentStatus.FAILED: "negative",
    AgentStatus.SKIPPED: "grey-8", AgentStatus.CANCELLED: "grey-9", RunStatus.RUNNING: "primary",
    RunStatus.PAUSED: "blue-grey-9", RunStatus.COMPLETED: "positive", RunStatus.INTERRUPTED: "brown-7",
}


# A run that went to its end says what it delivered; white text on each passes WCAG AA too.
OUTCOME_COLORS: dict[RunOutcome, str] = {
    RunOutcome.PASSED: "positive", RunOutcome.TESTS_OFF: "teal-9", RunOutcome.TESTS_FAILED: "red-9",
    RunOutcome.NO_CODE: "red-9", RunOutcome.NO_TESTS: "red-9", RunOutcome.TESTS_NOT_RUN: "blue-grey-8",
    RunOutcome.BUDGET_STOPPED: "grey-9",
}


def label(status: Status) -> str:
    return LABELS[status]


def color(status: Status) -> str:
    return COLORS[status]


def run_label(status: RunStatus, outcome: RunOutcome | None) -> str:
    """What a run's badge says: what it delivered once it ended, else its status. Never "Completed" alone unless
    its tests ran and passed."""
    return OUTCOME_LABELS[outcome] if outcome is not None else LABELS[status]


def run_color(status: RunStatus, outcome: RunOutcome | None) -> str:
    return OUTCOME_COLORS[outcome] if outcome is not None else COLORS[status]


def duration(ms: int) -> str:
    seconds = ms / 1000
    if seconds < 60:
        return f"{seconds:.1f} s"
    minutes, seconds = divmod(int(seconds), 60)
    return f"{minutes} min {seconds:02d} s"


def money(usd: float) -> str:
    return "$0.00" if usd == 0 else "<$0.01" if usd < 0.01 else f"${usd:,.2f}"


def usage(tokens: int, usd: float, cached_share: float = 0.0) -> str:
    cached = f" · {cached_share:.0%} cached" if cached_share >= 0.005 else ""
    return f"{tokens:,} tokens · {money(usd)}{cached}"


def show_usage(value: LiveText, tokens: int, usd: float, cached_tokens: int = 0, cached_share: float = 0.0) -> None:
    """The figures as text, and exactly (data-tokens, data-cost-usd, data-cached-tokens), for anyone who adds them
    up."""
    value.set(usage(tokens, usd, cached_share), tokens=str(tokens), costUsd=f"{usd:.9f}",
              cachedTokens=str(cached_tokens))


def moment(ms: int) -> str:
    return datetime.fromtimestamp(ms / 1000).strftime("%Y-%m-%d %H:%M")
