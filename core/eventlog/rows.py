"""What the event log keeps beside the events: one row per run for the history list, and the hook that times
writes."""

from collections.abc import Callable
from dataclasses import dataclass

from core.domain.status import RunStatus, VerifyStatus

WriteObserver = Callable[[str, float], None]  # (operation, seconds): "append" or "delete", BEGIN to COMMIT


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


RUN_COLUMNS = "run_id, brief, title, created_ms, ended_ms, status, tokens, cost_usd, owner, verdict"


def run_row(values: tuple) -> RunRow:
    """A RunRow from the values of RUN_COLUMNS, as either store selects them."""
    *fields, status, tokens, cost, owner, verdict = values
    return RunRow(*fields, RunStatus(status), tokens, cost, owner, VerifyStatus(verdict) if verdict else None)


@dataclass(frozen=True)
class RunPage:
    rows: list[RunRow]
    total: int  # runs matching the filter, on all pages
