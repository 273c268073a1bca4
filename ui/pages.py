"""The pages: dashboard, one run, and the run history."""

from datetime import datetime

from nicegui import ui

from core.runs import RunService

from . import status
from .brief_form import brief_form
from .live import LiveRuns
from .run_panel import run_panel
from .theme import frame


def register_pages(runs: RunService, live_runs: LiveRuns, *, offline_demo: bool) -> None:

    @ui.page("/")
    async def dashboard() -> None:
        with frame("New run", offline_demo=offline_demo):
            brief_form(runs)
            latest = await runs.store.list_runs(limit=1)
            if latest and latest[0].status == "running":
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
            ui.label("Runs").classes("text-h5")
            rows = await runs.store.list_runs(limit=100)
            if not rows:
                ui.label("No runs yet. Start one from the dashboard.").classes("text-grey-7")
            with ui.list().props("bordered separator").classes("w-full bg-white").props("data-testid=run-list"):
                for row in rows:
                    with ui.item(on_click=lambda r=row: ui.navigate.to(f"/runs/{r.run_id}")).props(
                            f"clickable data-testid=run-row data-run-id={row.run_id}"):
                        with ui.item_section():
                            ui.item_label(excerpt(row.brief))
                            ui.item_label(datetime.fromtimestamp(row.created_ms / 1000).strftime(
                                "%Y-%m-%d %H:%M")).props("caption")
                        with ui.item_section().props("side"):
                            ui.badge(status.label(row.status), color=status.color(row.status))


def not_found() -> None:
    with ui.card().classes("w-full").props("flat bordered data-testid=run-not-found"):
        ui.label("This run does not exist, or it was deleted.").classes("text-h6")
        ui.link("Start a new run", "/")


def excerpt(text: str, limit: int = 120) -> str:
    line = " ".join(text.split())
    return line if len(line) <= limit else line[: limit - 1] + "…"
