"""The pending approval: approve, request changes with feedback, or edit the artifact. Decided once, in any tab."""

from collections.abc import Awaitable, Callable

from nicegui import ui

from core.domain.inputs import InputError
from core.domain.status import Decision
from core.domain.view import RunView
from core.engine.commands import RunService

from .props import set_prop, set_text, set_visible

ALREADY_DECIDED = "This checkpoint was already decided, in another tab or by the API."
# A decision names the checkpoint its page showed when the user clicked (the panel's data-interrupt-id), not the one
# the panel shows when the click reaches the server: a click that arrives after the run moved on (a page still
# connecting sends it late) must not decide the next checkpoint, which nobody has read, in its place.
SEEN_CHECKPOINT = "(event) => emit(event.target.closest('[data-interrupt-id]')?.dataset.interruptId ?? '')"


def checkpoint_button(text: str, icon: str, decide: Callable[[str], Awaitable[None]]) -> ui.button:
    """A button that decides the checkpoint its page showed when it was clicked (SEEN_CHECKPOINT)."""
    return ui.button(text, icon=icon).on("click", lambda event: decide(event.args), js_handler=SEEN_CHECKPOINT)


class ApprovalPanel:
    def __init__(self, run_id: str, runs: RunService) -> None:
        self.run_id, self.runs = run_id, runs
        self.interrupt_id: str | None = None
        self.editing: str | None = None  # the checkpoint whose artifact the editor was opened with
        self.artifact = ""
        with ui.card().classes("approval-panel w-full gap-2").props(
                "flat bordered data-testid=approval-panel role=region aria-label=Approval") as self.card:
            self.title = ui.label("").classes("text-h6")
            ui.label("The run waits for you. Read the artifact on the right, then approve it, edit it yourself, or "
                     "tell the agent what to change and it redoes its work.").classes("text-body2 text-grey-8")
            with ui.row().classes("items-center gap-2"):
                self.approve = checkpoint_button("Approve", "check", lambda seen: self._decide(Decision.APPROVE, seen)
                                                 ).props("unelevated color=positive data-testid=approve "
                                                         "data-requires-connection")
                self.edit = ui.button("Edit", icon="edit", on_click=self._open_editor).props(
                    "outline data-testid=edit-artifact data-requires-connection")
            self.feedback = ui.textarea(label="What should change?").classes("w-full").props(
                f"outlined autogrow counter maxlength={runs.limits.max_feedback_chars} data-testid=feedback-input")
            with ui.row().classes("items-center gap-2"):
                self.request = checkpoint_button("Request changes", "replay", lambda seen: self._decide(
                    Decision.REQUEST_CHANGES, seen, feedback=self.feedback.value)).props(
                    "outline color=deep-orange-10 data-testid=request-changes data-requires-connection")
                self.problem = ui.label("").classes("text-negative text-body2").props(
                    "data-testid=decision-error role=status")
        with ui.dialog().props("data-testid=edit-dialog") as self.dialog, ui.card().classes("w-full max-w-4xl"):
            ui.label("Edit the artifact").classes("text-h6")
            ui.label("Your text replaces the agent's and is what the next agents read.").classes("text-body2")
            self.editor = ui.textarea().classes("w-full").props(
                "outlined autogrow data-testid=edit-input input-style='min-height: 20em; font-family: monospace'")
            # Why the edit was not taken (it does not fit the files, or is too long): said where the user is.
            self.edit_problem = ui.label("").classes("text-negative text-body2").props(
                "data-testid=edit-error role=status")
            with ui.row().classes("w-full justify-end"):
                ui.button("Cancel", on_click=self.dialog.close).props("flat data-testid=edit-cancel")
                ui.button("Save and approve", icon="check",
                          on_click=lambda: self._decide(Decision.EDIT, self.editing, content=self.editor.value)).props(
                    "unelevated color=positive data-testid=save-edit data-requires-connection")
        self.card.set_visibility(False)

    def update(self, view: RunView) -> None:
        pending = view.pending
        set_visible(self.card, pending is not None)
        if pending is None:
            self.interrupt_id = None
            self.dialog.close()
            return
        if pending.interrupt_id != self.interrupt_id:  # a new checkpoint: a fresh form
            self.interrupt_id = pending.interrupt_id
            self.feedback.set_value("")
            set_text(self.problem, "")
            for button in (self.approve, self.edit, self.request):
                button.enable()
        agent = view.agents.get(pending.agent)
        artifact = view.artifacts.get(pending.agent)
        self.artifact = artifact.content if artifact else ""
        set_prop(self.card, "data-interrupt-id", pending.interrupt_id)
        set_prop(self.card, "data-agent", pending.agent)
        title = f"{agent.title if agent else pending.agent}: {artifact.title if artifact else 'work'} ready for review"
        set_text(self.title, title)

    def _open_editor(self) -> None:
        self.editing = self.interrupt_id
        set_text(self.edit_problem, "")
        self.editor.set_value(self.artifact)
        self.dialog.open()

    async def _decide(self, decision: Decision, seen: str | None, **details: str) -> None:
        """`seen`: the checkpoint the user decided (SEEN_CHECKPOINT)."""
        buttons = (self.approve, self.edit, self.request)
        for button in buttons:
            button.disable()
        try:
            decided = await self.runs.decide(self.run_id, decision, interrupt_id=seen or "", **details)
        except InputError as error:
            set_text(self.problem, str(error))
            set_text(self.edit_problem, str(error) if decision == Decision.EDIT else "")
            decided = None
        if decided is False:
            ui.notify(ALREADY_DECIDED, type="info")
        if decided:
            self.dialog.close()
        else:
            for button in buttons:
                button.enable()
