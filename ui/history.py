"""The run history: search, filter by status, pages of 25, and per run open, rename and delete (confirmed)."""

import asyncio

from nicegui import ui

from core.domain.catalogue import RunRow
from core.domain.events import now_ms
from core.domain.inputs import InputError, clean_query
from core.domain.outcome import of_row
from core.domain.status import RunStatus
from core.engine.commands import RunService

from . import status, verify

PAGE_SIZE = 25
FILTERS = {"all": "All statuses", **{name.value: status.label(name) for name in RunStatus}}


def excerpt(text: str, limit: int = 120) -> str:
    line = " ".join(text.split())
    return line if len(line) <= limit else line[: limit - 1] + "…"


class History:
    def __init__(self, runs: RunService, user: str) -> None:
        self.runs, self.user = runs, user
        self.page = 1
        with ui.row().classes("w-full items-center gap-3"):
            ui.label("Runs").classes("text-h5")
            ui.space()
            self.search = ui.input(placeholder="Search briefs and names", on_change=self._filter_changed).props(
                "outlined dense clearable debounce=300 data-testid=run-search").classes("w-72")
            with self.search.add_slot("prepend"):
                ui.icon("search")
            self.status = ui.select(FILTERS, value="all", on_change=self._filter_changed).props(
                "outlined dense data-testid=status-filter").classes("w-48")
        self.results = ui.column().classes("w-full gap-2")
        # Outside the redrawn list: a redraw while the user clicks a page number must not swallow the click.
        self.pager = ui.pagination(1, 1, direction_links=True, value=1,
                                   on_change=lambda event: self.go_to(event.value)).props(
            "max-pages=7 boundary-links data-testid=history-pagination")
        self.pager.set_visibility(False)
        self.shown: tuple = ()
        self._showing = asyncio.Lock()
        self.dialogs = ui.element("div")  # outside the redrawn list, so a redraw cannot close an open dialog
        # Statuses, tokens and new runs change while the page is open; redraw only when the page's data did.
        ui.timer(3.0, self.show)

    async def _filter_changed(self) -> None:
        self.page = 1
        await self.show()

    async def go_to(self, page: int) -> None:
        self.page = page
        await self.show()

    async def show(self) -> None:
        async with self._showing:  # one at a time, each with the filters as they are now: the last one wins
            await self._show()

    async def _show(self) -> None:
        chosen = None if self.status.value == "all" else RunStatus(self.status.value)
        found = await self.runs.queries.page(self.user, PAGE_SIZE, (self.page - 1) * PAGE_SIZE, status=chosen,
                                             search=clean_query(self.search.value))
        pages = max(1, -(-found.total // PAGE_SIZE))
        shown = (self.page, found.total, tuple(found.rows))
        if shown == self.shown:
            return
        self.shown = shown
        self.results.clear()
        with self.results:
            first = (self.page - 1) * PAGE_SIZE + 1
            counted = (f"{first:,}–{first + len(found.rows) - 1:,} of {found.total:,} runs" if found.rows
                       else "No runs match." if self.search.value or self.status.value != "all"
                       else "No runs yet. Start one from the dashboard.")
            ui.label(counted).classes("text-grey-7").props(f"data-testid=run-count data-total={found.total}")
            if found.rows:
                with ui.list().props("bordered separator data-testid=run-list").classes("w-full surface"):
                    for row in found.rows:
                        self._row(row)
        self.pager.max = pages
        self.pager.value = self.page
        self.pager.set_visibility(pages > 1)

    def _row(self, row: RunRow) -> None:
        ended = of_row(row.status, row.outcome, row.verdict)
        with ui.item().classes("history-row").props(
                f"data-testid=run-row data-run-id={row.run_id} data-status={row.status} data-outcome={ended or ''}"):
            with ui.item_section():
                ui.link(row.title or excerpt(row.brief), f"/runs/{row.run_id}").classes(
                    "run-title text-body1").props("data-testid=run-link")
                if row.title:
                    ui.item_label(excerpt(row.brief)).props("caption")
                ui.item_label(_facts(row)).props("caption data-testid=run-facts")
            with ui.item_section().props("side"):
                with ui.row().classes("items-center gap-1 no-wrap"):
                    if row.verdict is not None:
                        ui.badge(verify.LABELS[row.verdict], color=verify.COLORS[row.verdict]).props(
                            f"outline data-testid=run-row-verdict data-status={row.verdict}")
                    ui.badge(status.run_label(row.status, ended), color=status.run_color(row.status, ended)).props(
                        "data-testid=run-row-status")
                    ui.button(icon="edit", on_click=lambda r=row: self._rename(r)).props(
                        "flat dense round data-testid=rename-run aria-label=Rename")
                    ui.button(icon="delete", on_click=lambda r=row: self._delete(r)).props(
                        "flat dense round color=negative data-testid=delete-run aria-label=Delete")

    def _rename(self, row: RunRow) -> None:
        async def save() -> None:
            try:
                await self.runs.rename(row.run_id, name.value)
            except InputError as error:
                problem.set_text(str(error))
                return
            dialog.close()
            await self.show()

        with self.dialogs, ui.dialog(value=True) as dialog, ui.card().classes("w-96"):
            ui.label("Rename run").classes("text-h6")
            name = ui.input("Name", value=row.title or excerpt(row.brief, 80)).props(
                "outlined autofocus data-testid=rename-input").classes("w-full")
            name.on("keydown.enter", save)
            problem = ui.label("").classes("text-negative text-body2").props("role=status")
            with ui.row().classes("w-full justify-end"):
                ui.button("Cancel", on_click=dialog.close).props("flat")
                ui.button("Save", on_click=save).props("unelevated data-testid=rename-save")
        dialog.on("hide", dialog.delete)

    async def _delete(self, row: RunRow) -> None:
        with self.dialogs, ui.dialog() as dialog, ui.card().classes("w-96").props("data-testid=delete-dialog"):
            ui.label("Delete this run?").classes("text-h6")
            working = " It is still working and will be stopped." if row.status == RunStatus.RUNNING else ""
            ui.label(f"“{excerpt(row.title or row.brief, 80)}” and everything it produced (transcript and artifacts) "
                     f"are removed for good.{working}").classes("text-body2")
            with ui.row().classes("w-full justify-end"):
                ui.button("Keep it", on_click=lambda: dialog.submit(False)).props("flat data-testid=cancel-delete")
                ui.button("Delete", icon="delete", on_click=lambda: dialog.submit(True)).props(
                    "unelevated color=negative data-testid=confirm-delete")
        confirmed = await dialog
        dialog.delete()
        if confirmed:
            await self.runs.delete(row.run_id)
            ui.notify("Run deleted.")
            await self.show()


def _facts(row: RunRow) -> str:
    took = status.duration((row.ended_ms or now_ms()) - row.created_ms)
    return f"Started {status.moment(row.created_ms)} · {took} · {status.usage(row.tokens, row.cost_usd)}"
