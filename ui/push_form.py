"""Pushing the project's history to a git remote from the run page: the remote, the branch and a token for this push
only. The push is the RunService's command (as POST /api/runs/{id}/push); its result arrives in the run's events
and is shown here. The token leaves the form the moment the push is asked for: it is never shown again."""

from nicegui import ui

from core.domain.inputs import InputError
from core.domain.view import RunView
from core.engine.commands import RunService
from core.engine.revisions import public_url

from .props import set_prop, set_text, set_visible

PUSH_TITLE = "Push the history to a git remote"
PUSH_HINT = ("Every commit and a tag per revision. The token is used for this push only: it is not kept, shown or "
             "logged.")
PUSHING = "Pushing to {url}…"
NO_SUCH_RUN = "This run no longer exists."


class PushForm:
    def __init__(self, run_id: str, runs: RunService) -> None:
        self.run_id, self.runs = run_id, runs
        self._waiting_after: int | None = None  # pushes recorded when the user's push was asked for, until it ends
        self._pushes = -1
        with ui.column().classes("w-full gap-1").props(
                "data-testid=push-section role=group aria-labelledby=push-title") as self.section:
            ui.label(PUSH_TITLE).classes("text-subtitle2").props("id=push-title")
            ui.label(PUSH_HINT).classes("text-caption text-grey-8")
            with ui.row().classes("w-full items-start gap-2"):
                self.url = ui.input("Remote URL (https://…)").classes("grow").props(
                    "outlined dense data-testid=push-url autocomplete=off spellcheck=false")
                self.branch = ui.input("Branch", value="main").classes("w-32").props(
                    "outlined dense data-testid=push-branch autocomplete=off spellcheck=false")
                self.token = ui.input("Token", password=True).classes("w-56").props(
                    "outlined dense data-testid=push-token autocomplete=off").on("keydown.enter", self._push)
                self.button = ui.button("Push", icon="cloud_upload", on_click=self._push).props(
                    "outline data-testid=push-project data-requires-connection")
            self.result = ui.label("").classes("text-body2").props("data-testid=push-result role=status")

    def update(self, view: RunView) -> None:
        pushes = view.project.pushes
        set_visible(self.section, bool(view.project.commits))
        if len(pushes) == self._pushes or (self._waiting_after is not None and len(pushes) <= self._waiting_after):
            return
        self._pushes, self._waiting_after = len(pushes), None
        self.button.enable()
        if pushes:
            self._say(pushes[-1].message, "pushed" if pushes[-1].ok else "refused")

    async def _push(self) -> None:
        if not self.button.enabled:  # Enter in the token's field while a push is under way
            return
        token = self.token.value or None
        self.token.value = ""  # used for this push only: gone from the page at once
        before = self._pushes
        try:
            accepted = await self.runs.push(self.run_id, self.url.value or "", self.branch.value, token)
        except InputError as refused:
            self._say(str(refused), "refused")
            return
        if not accepted:
            self._say(NO_SUCH_RUN, "refused")
            return
        self._waiting_after = max(before, 0)
        self.button.disable()  # until its result arrives: one push at a time from this form
        self._say(PUSHING.format(url=public_url(self.url.value or "")), "pushing")  # without credentials

    def _say(self, sentence: str, state: str) -> None:
        set_text(self.result, sentence)
        set_prop(self.result, "data-state", state)
