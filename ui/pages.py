"""The pages: dashboard, one run, and the run history."""

from nicegui import ui

from core.fold import TERMINAL_RUN_STATUSES
from core.runs import RunService

from .brief_form import brief_form
from .history import History
from .live import LiveRuns
from .run_panel import run_panel
from .theme import frame


def register_pages(runs: RunService, live_runs: LiveRuns, *, offline_demo: bool) -> None:

    @ui.page("/")
    async def dashboard() -> None:
        with frame("New run", offline_demo=offline_demo):
            brief_form(runs)
            latest = (await runs.store.list_runs(limit=1)).rows
            if latest and latest[0].status not in TERMINAL_RUN_STATUSES:  # the latest run, while it is not over
                ui.label("Current run").classes("text-h6")
                await run_panel(latest[0].run_id, runs, live_runs)

    @ui.page("/runs/{run_id}")
    async def run_page(run_id: str) -> None:
        with frame("Run", offline_demo=offline_demo):
            if not await run_panel(run_id, runs, live_runs):
                not_found()

    @ui.page("/runs")
    async def history() -> None:
        with frame("History", offline_demo=offline_demo):
            await History(runs).show()


def not_found() -> None:
    with ui.card().classes("w-full").props("flat bordered data-testid=run-not-found"):
        ui.label("This run does not exist, or it was deleted.").classes("text-h6")
        ui.link("Start a new run", "/")
