"""The run's question at its soft budget: continue with more to spend, or stop here keeping everything. Answered
once, in any tab (or by the API, or an AG-UI resume)."""

from nicegui import ui

from core.domain.inputs import InputError
from core.domain.view import RunView
from core.engine.commands import RunService

from .approval_panel import ALREADY_DECIDED, checkpoint_button
from .props import set_prop, set_text, set_visible


class BudgetPanel:
    def __init__(self, run_id: str, runs: RunService) -> None:
        self.run_id, self.runs = run_id, runs
        self.interrupt_id: str | None = None
        with ui.card().classes("approval-panel w-full gap-2").props(
                "flat bordered data-testid=budget-panel role=region aria-label=Budget") as self.card:
            ui.label("The run reached its soft budget").classes("text-h6")
            self.question = ui.label("").classes("text-body1").props("data-testid=budget-question")
            with ui.row().classes("items-center gap-2"):
                self.add = ui.number("Add (US$)", value=1.0, min=0.01, step=0.5, format="%.2f").props(
                    "outlined dense data-testid=budget-add").classes("w-36")
                self.proceed = checkpoint_button("Continue", "play_arrow", lambda seen: self._decide(True, seen)).props(
                    "unelevated color=positive data-testid=budget-continue data-requires-connection")
                self.stop = checkpoint_button("Stop here", "stop", lambda seen: self._decide(False, seen)).props(
                    "outline color=negative data-testid=budget-stop data-requires-connection")
            ui.label("Stopping ends the run; everything finished so far is kept, and Resume asks again."
                     ).classes("text-caption text-grey-8")
            self.problem = ui.label("").classes("text-negative text-body2").props(
                "data-testid=budget-error role=status")
        self.card.set_visibility(False)

    def update(self, view: RunView) -> None:
        pending = view.pending_budget
        set_visible(self.card, pending is not None)
        if pending is None:
            self.interrupt_id = None
            return
        if pending.interrupt_id != self.interrupt_id:  # a new question: a fresh form
            self.interrupt_id = pending.interrupt_id
            self.add.set_value(pending.add_usd)
            set_text(self.problem, "")
            for button in (self.proceed, self.stop):
                button.enable()
        set_prop(self.card, "data-interrupt-id", pending.interrupt_id)
        set_prop(self.card, "data-agent", pending.agent)
        set_text(self.question, pending.message)

    async def _decide(self, proceed: bool, seen: str) -> None:
        """`seen`: the question the user answered (SEEN_CHECKPOINT)."""
        buttons = (self.proceed, self.stop)
        for button in buttons:
            button.disable()
        try:
            decided = await self.runs.decide_budget(self.run_id, proceed, add_usd=self.add.value if proceed else None,
                                                    interrupt_id=seen or "")
        except InputError as error:
            set_text(self.problem, str(error))
            decided = None
        if decided is False:
            ui.notify(ALREADY_DECIDED, type="info")
        if not decided:
            for button in buttons:
                button.enable()
