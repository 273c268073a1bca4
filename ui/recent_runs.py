"""The user's latest runs on the first page, each with its state, so a returning user lands where they left off."""

from nicegui import ui

from core.domain.catalogue import RunRow
from core.domain.outcome import of_row

from . import status
from .history import excerpt

SHOWN = 5


def recent_runs(rows: list[RunRow]) -> None:
    """The latest runs, newest first (at most SHOWN)."""
    if not rows:
        return
    with ui.card().classes("w-full gap-2").props("flat bordered data-testid=recent-runs"):
        with ui.row().classes("w-full items-center justify-between"):
            ui.label("Your recent runs").classes("text-h6")
            ui.link("All runs", "/runs")
        with ui.list().props("separator").classes("w-full"):
            for row in rows:
                ended = of_row(row.status, row.outcome, row.verdict)
                with ui.item().props(f"data-testid=recent-run data-run-id={row.run_id} data-status={row.status} "
                                     f"data-outcome={ended or ''}"):
                    with ui.item_section():
                        ui.link(row.title or excerpt(row.brief, 90), f"/runs/{row.run_id}").classes("text-body1")
                        ui.item_label(f"Started {status.moment(row.created_ms)} · "
                                      f"{status.usage(row.tokens, row.cost_usd)}").props("caption")
                    with ui.item_section().props("side"):
                        ui.badge(status.run_label(row.status, ended), color=status.run_color(row.status, ended))
