"""What the event log keeps beside the events: one row per run for the history list, and the hook that times
writes."""

from collections.abc import Callable
from dataclasses import dataclass

from core.domain.status import RunStatus, VerifyStatus

WriteObserver = Callable[[str, float], None]  # (operation, seconds): "append" or "delete", BEGIN to COMMIT


def ignore_write(operation: str, seconds: float) -> None:
    """The observer of a store nobody measures."""


@dataclass(frozen=True)
class RunRow:
    run_id: str
    brief: str
    title: str
    created_ms: int
    ended_ms: int | None
    status: RunStatus
    tokens: int
    cost_usd: float
    owner: str
    verdict: VerifyStatus | None = None  # of the project's tests, once they ran


@dataclass(frozen=True)
class RunPage:
    rows: list[RunRow]
    total: int  # runs matching the filter, on all pages
