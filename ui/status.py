"""How statuses, times and money read and look, shared by the run badge, the agent cards and the lists."""

from datetime import datetime

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


def label(status: Status) -> str:
    return LABELS[status]


def color(status: Status) -> str:
    return COLORS[status]


def duration(ms: int) -> str:
    seconds = ms / 1000
    if seconds < 60:
        return f"{seconds:.1f} s"
    minutes, seconds = divmod(int(seconds), 60)
    return f"{minutes} min {seconds:02d} s"


def money(usd: float) -> str:
    return "$0.00" if usd == 0 else "<$0.01" if usd < 0.01 else f"${usd:,.2f}"


def usage(tokens: int, usd: float) -> str:
    return f"{tokens:,} tokens · {money(usd)}"


def show_usage(value: LiveText, tokens: int, usd: float) -> None:
    """The figures as text, and exactly (data-tokens, data-cost-usd), for anyone who adds them up."""
    value.set(usage(tokens, usd), tokens=str(tokens), costUsd=f"{usd:.9f}")


def moment(ms: int) -> str:
    return datetime.fromtimestamp(ms / 1000).strftime("%Y-%m-%d %H:%M")
