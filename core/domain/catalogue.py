"""The run catalogue's query side: a run's row in the history list, a page of them, and what a batch of events
changes in a row (the one rule every store applies, in SQL or in memory)."""

from dataclasses import dataclass

from .fold import SummaryChange
from .outcome import RunOutcome
from .status import NOT_WORKING, RunStatus, VerifyStatus


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
    outcome: RunOutcome | None = None  # what its last segment delivered (core.domain.outcome), once it ended


@dataclass(frozen=True)
class RunPage:
    rows: list[RunRow]
    total: int  # runs matching the filter, on all pages


@dataclass(frozen=True)
class RowChange:
    """A SummaryChange as a store applies it to the run's row: fields set, and amounts added to fields."""

    sets: dict[str, object]
    adds: dict[str, int | float]

    def __bool__(self) -> bool:
        return bool(self.sets or self.adds)


def row_change(change: SummaryChange, stamp_ms: int) -> RowChange:
    """A new status also sets when the run stopped working (`stamp_ms`), or clears it when it works again, and the
    outcome the same event recorded (or none)."""
    sets: dict[str, object] = {}
    if change.status is not None:
        sets |= {"status": RunStatus(change.status), "ended_ms": stamp_ms if change.status in NOT_WORKING else None,
                 "outcome": change.outcome and RunOutcome(change.outcome)}
    if change.verdict is not None:
        sets["verdict"] = VerifyStatus(change.verdict)
    adds = {name: amount for name, amount in (("tokens", change.tokens), ("cost_usd", change.cost_usd)) if amount}
    return RowChange(sets, adds)
