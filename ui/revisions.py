"""The project's revisions on the run page: each with its request, who changed what, its verdict and what its calls
cost, its steps (a commit each), a Restore button, the changes of the selected revision or step as a diff, and the
box that asks for the next revision once the run is at rest. Requests go to the RunService as commands; what is
shown is the fold's."""

from collections.abc import Mapping

from nicegui import ui

from core.domain.files import CommitView, FileView, RevisionView
from core.domain.inputs import InputError
from core.domain.revisions import revision_changes, revision_files, revision_status, revision_verdict
from core.domain.view import RunView
from core.engine.commands import RunService
from core.engine.revisions import NoSuchRevision, RevisionConflict

from .diff_view import file_diffs
from .props import set_prop, set_visible
from .push_form import PushForm
from .status import money

ORIGINS = {"first": "First run", "change": "Change", "restore": "Restore", "import": "Imported"}
DIFF_URL = "/api/runs/{run_id}/revisions/{revision}/diff"
IMPORT_NOTES = "What the imported zip left out, or keeps from the model:"


class RevisionsPanel:
    def __init__(self, run_id: str, runs: RunService) -> None:
        self.run_id, self.runs = run_id, runs
        self.selected: int | None = None  # None: the latest
        self.step: str | None = None  # a commit of the selected revision; None: the whole revision
        self._listed: tuple | None = None
        self._shown: tuple | None = None
        self._steps: dict[str, ui.button] = {}  # by commit
        self._numbers: dict[int, ui.button] = {}  # the buttons that show a whole revision, by its number
        self._view: RunView | None = None
        with ui.card().classes("w-full gap-2").props("flat bordered data-testid=revisions-panel role=region "
                                                     "aria-label=Revisions"):
            ui.label("Revisions").classes("text-h6")
            self.items = ui.column().classes("w-full gap-1")
            self.import_notes = ui.column().classes("w-full gap-0").props("data-testid=import-report")
            with ui.column().classes("w-full gap-2") as self.follow_up:
                self.request = ui.textarea(label="What should change next?").classes("w-full").props(
                    "outlined autogrow data-testid=follow-up-input")
                ui.button("Ask for this change", on_click=self._send).props("data-testid=send-follow-up")
            self.push = PushForm(run_id, runs)
            self.diff = ui.column().classes("w-full gap-2").props("data-testid=diff-view")

    def update(self, view: RunView) -> None:
        self._view = view
        set_visible(self.follow_up, view.finished)
        self.push.update(view)
        project = view.project
        listed = (view.finished, len(project.commits), view.usage.total.calls,
                  tuple((revision.number, revision_status(view, revision), revision_verdict(view, revision))
                        for revision in project.revisions))
        if listed != self._listed:
            self._listed = listed
            self._list(view)
        # Choosing a step redraws the diff only: the list, and the button the user pressed (and its focus), stay.
        shown = (self.selected, self.step, len(project.commits), project.revision)
        if shown != self._shown:
            self._shown = shown
            self._show(view)
        shown_revision = None if self.step else self.selected or project.revision
        for number, button in self._numbers.items():
            set_prop(button, "aria-pressed", "true" if number == shown_revision else "false")
        for commit, button in self._steps.items():
            set_prop(button, "aria-pressed", "true" if commit == self.step else "false")

    def _list(self, view: RunView) -> None:
        project = view.project
        self.import_notes.clear()
        with self.import_notes:
            if project.import_notes:
                ui.label(IMPORT_NOTES).classes("text-body2")
            for note in project.import_notes:
                ui.label(note.sentence).classes("text-caption text-grey-8").props("data-testid=import-note")
        self.items.clear()
        self._steps, self._numbers = {}, {}
        with self.items:
            for revision in project.revisions:
                self._item(view, revision)

    def _show(self, view: RunView) -> None:
        project = view.project
        selected = project.revision_of(self.selected) if self.selected else project.current
        step = next((commit for commit in project.commits if commit.commit == self.step), None)
        self.diff.clear()
        with self.diff:
            if step is not None:
                self._step_diff(step)
            elif selected is not None:
                self._diff(view, selected)

    def _item(self, view: RunView, revision: RevisionView) -> None:
        status, verdict = revision_status(view, revision), revision_verdict(view, revision)
        authors = sorted({commit.author for commit in view.project.commits if commit.revision == revision.number})
        spent = view.usage.revisions.get(revision.number)
        with ui.column().classes("w-full gap-0").props(
                f"data-testid=revision-item data-revision={revision.number} data-status={status}"):
            with ui.row().classes("w-full items-center gap-2 no-wrap"):
                self._numbers[revision.number] = ui.button(
                    f"{revision.number}", on_click=lambda number=revision.number: self._select(number)).props(
                    f"flat dense round data-testid=show-revision aria-label='Show the changes of revision "
                    f"{revision.number}'")
                with ui.column().classes("gap-0 grow min-w-0"):
                    # As wide as the column, not as its text: a long request is cut off with an ellipsis here rather
                    # than widening the page past a phone's screen.
                    ui.label(f"{ORIGINS.get(revision.origin, revision.origin)}: {revision.request}").classes(
                        "text-body2 ellipsis w-full").props("data-testid=revision-request")
                    ui.label(f"{status} · tests {verdict or 'not run'} · {money(spent.cost_usd if spent else 0)} · "
                             f"by {', '.join(authors) or 'nobody yet'}").classes("text-caption text-grey-8").props(
                        "data-testid=revision-summary")
                if view.finished and revision.number != view.project.revision:
                    ui.button("Restore", on_click=lambda number=revision.number: self._restore(number)).props(
                        f"outline dense data-testid=restore-revision aria-label='Restore revision {revision.number}'")
            steps = [commit for commit in view.project.commits if commit.revision == revision.number]
            if steps:
                with ui.element("ul").classes("q-my-none q-pl-lg").props(
                        f"aria-label='The steps of revision {revision.number}'"):
                    for commit in steps:
                        self._step(commit)

    def _step(self, commit: CommitView) -> None:
        subject = _subject(commit)
        count = len(commit.files)
        with ui.element("li").props(f"data-testid=revision-step data-commit={commit.commit}"):
            self._steps[commit.commit] = ui.button(
                f"{commit.author_name}: {subject} · {count} file{'' if count == 1 else 's'}",
                on_click=lambda chosen=commit: self._select(chosen.revision, chosen.commit)).props(
                "flat dense no-caps align=left data-testid=show-step").classes("text-left")

    def _diff(self, view: RunView, revision: RevisionView) -> None:
        ui.label(f"Changes of revision {revision.number}").classes("text-subtitle2")
        file_diffs(revision_changes(view, revision), _data(revision.base), _data(revision_files(view, revision)),
                   DIFF_URL.format(run_id=self.run_id, revision=revision.number))

    def _step_diff(self, commit: CommitView) -> None:
        ui.label(f"Changes of {commit.author_name}'s step in revision {commit.revision}: {_subject(commit)}").classes(
            "text-subtitle2")
        file_diffs(commit.files, _data(commit.before), _data(commit.after),
                   f"{DIFF_URL.format(run_id=self.run_id, revision=commit.revision)}?commit={commit.commit}")

    def _select(self, number: int, step: str | None = None) -> None:
        self.selected, self.step = number, step
        if self._view is not None:
            self.update(self._view)

    async def _send(self) -> None:
        try:
            await self.runs.revise(self.run_id, self.request.value or "")
        except (InputError, RevisionConflict) as refused:
            ui.notify(str(refused), type="warning")
            return
        self.request.value = ""
        self.selected = self.step = None

    async def _restore(self, number: int) -> None:
        try:
            await self.runs.restore(self.run_id, number)
        except (InputError, RevisionConflict, NoSuchRevision) as refused:
            ui.notify(str(refused), type="warning")
            return
        self.selected = self.step = None


def _subject(commit: CommitView) -> str:
    return commit.message.split("\n", 1)[0]


def _data(files: Mapping[str, FileView]) -> dict[str, bytes]:
    return {path: file.data for path, file in files.items()}
