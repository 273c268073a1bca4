"""A run, live: status, the five agent cards, the transcript and the artifacts, each inside an error boundary."""

from nicegui import ui

from core.fold import RunView
from core.runs import RunService

from .agent_card import AgentCards
from .artifacts import Artifacts
from .boundary import Boundary
from .live import LiveRuns
from .run_header import RunHeader
from .transcript import Transcript


async def run_panel(run_id: str, runs: RunService, live_runs: LiveRuns) -> bool:
    """Render the run and keep it live until the tab goes away; False when there is no such run."""
    boundaries: list[Boundary] = []

    def render(view: RunView) -> None:
        for boundary in boundaries:
            boundary.call("update", view)

    view = await live_runs.attach(run_id, render)
    if view is None:
        return False
    ui.context.client.on_delete(lambda: live_runs.detach(run_id, render))

    with ui.column().classes("w-full gap-4").props(f"data-testid=run-panel data-run-id={run_id}"):
        async def resume() -> None:
            if not await runs.resume(run_id):
                ui.notify("This run is already running again.")

        header = Boundary("run status", lambda: RunHeader(view, lambda: runs.cancel(run_id), resume))
        cards = Boundary("agent cards", lambda: AgentCards(resume))
        with ui.element("div").classes("run-columns w-full"):
            with ui.column().classes("gap-2 min-w-0"):
                ui.label("Transcript").classes("text-h6")
                transcript = Boundary("transcript", Transcript)
            with ui.column().classes("gap-2 min-w-0"):
                ui.label("Artifacts").classes("text-h6")
                artifacts = Boundary("artifacts", Artifacts)
    boundaries.extend([header, cards, transcript, artifacts])
    render(view)

    def tick() -> None:
        if not view.finished:
            header.call("tick", view)
            cards.call("tick", view)

    ui.timer(1.0, tick)
    return True
