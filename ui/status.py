"""How statuses, times and money read and look, shared by the run badge, the agent cards and the lists."""

from datetime import datetime

LABELS = {
    "idle": "Idle", "queued": "Queued", "working": "Working", "waiting_approval": "Waiting for approval",
    "done": "Done", "failed": "Failed", "skipped": "Skipped", "cancelled": "Cancelled", "running": "Running",
    "paused": "Paused", "completed": "Completed", "interrupted": "Interrupted",
}

COLORS = {
    "idle": "grey-6", "queued": "blue-grey-5", "working": "primary", "waiting_approval": "orange-8",
    "done": "positive", "failed": "negative", "skipped": "grey-6", "cancelled": "grey-7", "running": "primary",
    "paused": "orange-6", "completed": "positive", "interrupted": "deep-orange-6",
}


def label(status: str) -> str:
    return LABELS.get(status, status.replace("_", " ").capitalize())


def color(status: str) -> str:
    return COLORS.get(status, "grey-6")


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


def moment(ms: int) -> str:
    return datetime.fromtimestamp(ms / 1000).strftime("%Y-%m-%d %H:%M")
