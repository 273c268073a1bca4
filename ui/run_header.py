"""The run's status badge, usage, controls (pause, resume, cancel), its place in the queue and, when it failed,
one plain sentence saying why."""

from collections.abc import Callable

from nicegui import ui

from core.domain.events import now_ms
from core.domain.outcome import outcome
from core.domain.status import AT_REST, RESUMABLE, RunStatus
from core.domain.view import RunView

from . import status
from .live_value import LiveText
from .notice import ErrorNotice
from .props import set_prop, set_text, set_visible
from .verify import VerifyBadge


def ordinal(n: int) -> str:
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def model_costs(view: RunView) -> str:
    """What each model the run called cost, when it called more than one."""
    models = view.usage.models
    if len(models) < 2:
        return ""
    return "By model: " + " · ".join(f"{name} {status.money(spend.cost_usd)}" for name, spend in models.items())


def state_note(view: RunView) -> str:
    """What the run is doing when it is not simply working or finished, in a sentence."""
    if view.queue_position is not None and view.status == RunStatus.RUNNING:
        return (f"Waiting for a free slot: {ordinal(view.queue_position)} in the queue. Other runs are using "
                "every slot; this one starts by itself.")
    if view.pause_requested and view.status == RunStatus.RUNNING:
        return "Pausing after the current agent finishes: an agent's answer is never cut off half-way."
    if view.status == RunStatus.PAUSED:
        return "Paused. Resume continues with the next agent; nothing done so far is lost."
    return ""


class RunHeader:
    def __init__(self, view: RunView, on_pause: Callable, on_cancel: Callable, on_resume: Callable) -> None:
        with ui.row().classes("w-full items-center gap-3"):
            ui.label("Run").classes("text-h6")
            ended = outcome(view)
            self.badge = ui.badge(status.run_label(view.status, ended),
                                  color=status.run_color(view.status, ended)).props(
                f"data-testid=run-status data-status={view.status} data-outcome={ended or ''}").classes(
                "text-body2 q-px-sm")
            self.elapsed = LiveText("").classes("text-caption text-grey-7")
            self.usage = LiveText("").classes("text-caption text-grey-7").props("data-testid=run-usage")
            self.verify = VerifyBadge()
            self.models = ui.label("").classes("text-caption text-grey-7").props("data-testid=run-model-costs")
            ui.space()
            self.model = ui.label("").classes("text-caption text-grey-7")
            self.pause = ui.button("Pause", icon="pause", on_click=on_pause).props(
                "outline dense data-testid=pause-run data-requires-connection")
            self.resume = ui.button("Resume", icon="play_arrow", on_click=on_resume).props(
                "unelevated dense data-testid=resume-run data-requires-connection")
            self.cancel = ui.button("Cancel", icon="stop", on_click=on_cancel).props(
                "outline dense color=negative data-testid=cancel-run data-requires-connection")
            for button in (self.pause, self.resume, self.cancel):
                button.set_visibility(False)
        self.note = ui.label("").classes("run-note text-body2").props("data-testid=run-note role=status")
        self.note.set_visibility(False)
        with ui.expansion("Brief", icon="notes").classes("w-full").props("dense data-testid=run-brief"):
            ui.label(view.brief).classes("whitespace-pre-wrap text-body2")
        self.notice = ErrorNotice("error-banner w-full")
        self.shown: tuple = ()

    def update(self, view: RunView) -> None:
        """The usage in place (it counts the answers streaming now, as the cards do); the rest only when what it
        shows changed: streamed text changes none of it."""
        total = view.usage.total
        status.show_usage(self.usage, view.live_tokens, view.cost_usd, total.cached_tokens, total.cached_share)
        ended = outcome(view)
        shown = (view.status, ended, view.error, view.tokens, view.cost_usd, view.model, view.pause_requested,
                 view.queue_position, view.started_ms, view.finished_ms)
        if shown == self.shown:
            return
        self.shown = shown
        set_prop(self.badge, "data-status", view.status)
        set_prop(self.badge, "data-outcome", ended or "")
        set_prop(self.badge, "color", status.run_color(view.status, ended))
        set_text(self.badge, status.run_label(view.status, ended))
        set_text(self.models, model_costs(view))
        self.notice.show(view.error or "")
        self.verify.update(view.verify)
        set_text(self.model, f"Model: {view.model}" if view.model else "")
        note = state_note(view)
        set_text(self.note, note)
        set_visible(self.note, bool(note))
        set_prop(self.note, "data-queue-position", str(view.queue_position or ""))
        set_visible(self.pause, view.status == RunStatus.RUNNING and not view.pause_requested)
        set_visible(self.cancel, view.status == RunStatus.RUNNING or view.status in AT_REST)
        set_visible(self.resume, view.status in RESUMABLE)
        self.tick(view)

    def tick(self, view: RunView) -> None:
        if view.started_ms:
            self.elapsed.set(status.duration((view.finished_ms or now_ms()) - view.started_ms))
