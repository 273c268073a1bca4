"""Recording a run's events while keeping its view current, as the engine does wherever it holds the run's view
(the running segment, a decision, a worker taking a run over)."""

from core.domain.events import Event, StoredEvent
from core.domain.view import RunView
from core.eventlog.bus import Bus

from .context import Emit
from .views import CurrentViews


def emitter(bus: Bus, views: CurrentViews, view: RunView) -> Emit:
    """The run's Emit that keeps `view` (one of `views`) current: each event is persisted (before anyone sees it),
    then the view holds it."""
    async def emit(*events: Event) -> list[StoredEvent]:
        stored = await bus.emit(view.run_id, *events)
        await views.caught_up(view, stored)
        return stored

    return emit
