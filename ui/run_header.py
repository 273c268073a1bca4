"""The run's status badge, usage, controls and, when it failed, one plain sentence saying why."""

from collections.abc import Callable

from nicegui import ui

from core.events import now_ms
from core.fold import RunView
from core.runs import RESUMABLE

from . import status
from .notice import ErrorNotice
from .props import set_prop, set_text, set_visible


class RunHeader:
    def __init__(self, view: RunView, on_cancel: Callable, on_resume: Callable) -> None:
        with ui.row().classes("w-full items-center gap-3"):
            ui.label("Run").classes("text-h6")
            self.badge = ui.badge(status.label(view.status), color=status.color(view.status)).props(
                f"data-testid=run-status data-status={view.status}").classes("text-body2 q-px-sm")
            self.elapsed = ui.label("").classes("text-caption text-grey-7")
            self.usage = ui.label("").classes("text-caption text-grey-7").props("data-testid=run-usage")
            ui.space()
            ui.label(f"Model: {view.model}" if view.model else "").classes("text-caption text-grey-7")
            self.cancel = ui.button("Cancel", icon="stop", on_click=on_cancel).props(
                "outline dense color=negative data-testid=cancel-run data-requires-connection")
            self.resume = ui.button("Resume", icon="play_arrow", on_click=on_resume).props(
                "unelevated dense data-testid=resume-run data-requires-connection")
            self.cancel.set_visibility(False)
            self.resume.set_visibility(False)
        with ui.expansion("Brief", icon="notes").classes("w-full").props("dense data-testid=run-brief"):
            ui.label(view.brief).classes("whitespace-pre-wrap text-body2")
        self.notice = ErrorNotice("error-banner w-full")

    def update(self, view: RunView) -> None:
        set_prop(self.badge, "data-status", view.status)
        set_prop(self.badge, "color", status.color(view.status))
        set_text(self.badge, status.label(view.status))
        self.notice.show(view.error or "")
        set_text(self.usage, status.usage(view.tokens, view.cost_usd))
        set_visible(self.cancel, view.status == "running")
        set_visible(self.resume, view.status in RESUMABLE)
        self.tick(view)

    def tick(self, view: RunView) -> None:
        if view.started_ms:
            set_text(self.elapsed, status.duration((view.finished_ms or now_ms()) - view.started_ms))
