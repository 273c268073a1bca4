"""Recording a run's events while keeping a view of it current, as the engine does wherever it holds the run's view
(the running segment, a decision, a worker taking a run over)."""

from core.domain.events import Event, StoredEvent
from core.domain.fold import apply
from core.domain.view import RunView
from core.eventlog.bus import Bus

from .context import Emit


def emitter(bus: Bus, run_id: str, view: RunView) -> Emit:
    """The run's Emit that keeps `view` current: each event is persisted (before anyone sees it), then folded in."""
    async def emit(*events: Event) -> list[StoredEvent]:
        stored = await bus.emit(run_id, *events)
        for item in stored:
            apply(view, item)
        return stored

    return emit
