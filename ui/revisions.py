"""The project's revisions on the run page: each with its request, who changed what, its verdict and what its calls
cost, its steps (a commit each), a Restore button, the changes of the selected revision or step as a diff, and the
box that asks for the next revision once the run is at rest. Requests go to the RunService as commands; what is
shown is the fold's."""

from collections.abc import Awaitable, Callable, Mapping, Sequence

from nicegui import ui

from core.domain.files import ChangedFile, CommitView, FileView, RevisionView
from core.domain.inputs import InputError
from core.domain.revisions import revision_changes, revision_files, revision_status, revision_verdict
from core.domain.view import RunView
from core.engine.commands import RunService
from core.engine.revisions import NoSuchRevision, RevisionConflict

from .diff_view import FileDiffs
from .props import set_prop, set_text, set_visible
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
        self._items: dict[int, _Item] = {}  # by revision number, oldest first
        self._notes: tuple[str, ...] | None = None
        self._shown: tuple | None = None
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
            with ui.column().classes("w-full gap-2").props("data-testid=diff-view") as self.diff:
                self.heading = ui.label().classes("text-subtitle2")
                self.files = FileDiffs()

    def update(self, view: RunView) -> None:
        self._view = view
        set_visible(self.follow_up, view.finished)
        self.push.update(view)
        project = view.project
        self._list(view)
        # Choosing a step redraws the diff only: the list, and the button the user pressed (and its focus), stay.
        shown = (self.selected, self.step, len(project.commits), project.revision)
        if shown != self._shown:
            self._shown = shown
            self._show(view)
        shown_revision = None if self.step else self.selected or project.revision
        for number, item in self._items.items():
            set_prop(item.show_button, "aria-pressed", "true" if number == shown_revision else "false")
            for commit, button in item.steps.items():
                set_prop(button, "aria-pressed", "true" if commit == self.step else "false")

    def _list(self, view: RunView) -> None:
        """Each revision's item, changed in place: a commit, a call or a new status redraws only what it changes, in
        every tab of the run (redrawing the list was most of the server's work at an agent's end, 100 viewers)."""
        project = view.project
        notes = tuple(note.sentence for note in project.import_notes)
        if notes != self._notes:
            self._notes = notes
            self.import_notes.clear()
            with self.import_notes:
                if notes:
                    ui.label(IMPORT_NOTES).classes("text-body2")
                for sentence in notes:
                    ui.label(sentence).classes("text-caption text-grey-8").props("data-testid=import-note")
        numbers = [revision.number for revision in project.revisions]
        if numbers[:len(self._items)] != list(self._items):  # not only new revisions: the list anew
            self.items.clear()
            self._items = {}
        steps: dict[int, list[CommitView]] = {}
        for commit in project.commits:
            steps.setdefault(commit.revision, []).append(commit)
        for revision in project.revisions:
            item = self._items.get(revision.number)
            if item is None:
                with self.items:
                    item = self._items[revision.number] = _Item(revision, self._select, self._restore)
            item.update(view, revision, steps.get(revision.number, []))

    def _show(self, view: RunView) -> None:
        project = view.project
        selected = project.revision_of(self.selected) if self.selected else project.current
        step = next((commit for commit in project.commits if commit.commit == self.step), None)
        if step is not None:
            set_text(self.heading, f"Changes of {step.author_name}'s step in revision {step.revision}: "
                                   f"{_subject(step)}")
            self._files(step.files, step.before, step.after,
                        f"{DIFF_URL.format(run_id=self.run_id, revision=step.revision)}?commit={step.commit}")
        elif selected is not None:
            set_text(self.heading, f"Changes of revision {selected.number}")
            self._files(revision_changes(view, selected), selected.base, revision_files(view, selected),
                        DIFF_URL.format(run_id=self.run_id, revision=selected.number))
        set_visible(self.diff, step is not None or selected is not None)

    def _files(self, changes: Sequence[ChangedFile], before: Mapping[str, FileView], after: Mapping[str, FileView],
               download: str) -> None:
        """The changed files' diffs, with the bytes of those files only: a project's other files are not encoded
        again in every tab at every commit."""
        def data(files: Mapping[str, FileView]) -> dict[str, bytes]:
            return {change.path: files[change.path].data for change in changes if change.path in files}

        self.files.show(changes, data(before), data(after), download)

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


class _Item:
    """One revision in the list: its number, request and summary, Restore while another revision is the latest of a
    finished run, and its steps, a commit each, added as they are made. `select` shows a revision's changes (or one
    step's), `restore` restores it."""

    def __init__(self, revision: RevisionView, select: Callable[[int, str | None], None],
                 restore: Callable[[int], Awaitable[None]]) -> None:
        self.number, self.select, self.restore = revision.number, select, restore
        self.restore_button: ui.button | None = None
        self.steps: dict[str, ui.button] = {}  # by commit
        self.step_list: ui.element | None = None
        number = revision.number
        with ui.column().classes("w-full gap-0").props(
                f"data-testid=revision-item data-revision={number}") as self.element:
            with ui.row().classes("w-full items-center gap-2 no-wrap") as self.row:
                self.show_button = ui.button(f"{number}", on_click=lambda: select(number, None)).props(
                    f"flat dense round data-testid=show-revision aria-label='Show the changes of revision {number}'")
                with ui.column().classes("gap-0 grow min-w-0"):
                    # As wide as the column, not as its text: a long request is cut off with an ellipsis here rather
                    # than widening the page past a phone's screen.
                    ui.label(f"{ORIGINS.get(revision.origin, revision.origin)}: {revision.request}").classes(
                        "text-body2 ellipsis w-full").props("data-testid=revision-request")
                    self.summary = ui.label().classes("text-caption text-grey-8").props(
                        "data-testid=revision-summary")

    def update(self, view: RunView, revision: RevisionView, steps: list[CommitView]) -> None:
        """`steps`: the revision's commits, oldest first."""
        status, verdict = revision_status(view, revision), revision_verdict(view, revision)
        authors = ", ".join(sorted({commit.author for commit in steps})) or "nobody yet"
        spent = money(cost.cost_usd) if (cost := view.usage.revisions.get(revision.number)) else money(0)
        set_prop(self.element, "data-status", str(status))
        set_text(self.summary, f"{status} · tests {verdict or 'not run'} · {spent} · by {authors}")
        self._restorable(view.finished and revision.number != view.project.revision)
        if [commit.commit for commit in steps[:len(self.steps)]] != list(self.steps) and self.step_list is not None:
            self.step_list.delete()  # not only new steps: the steps anew
            self.step_list, self.steps = None, {}
        for commit in steps[len(self.steps):]:
            if self.step_list is None:
                with self.element:
                    self.step_list = ui.element("ul").classes("q-my-none q-pl-lg").props(
                        f"aria-label='The steps of revision {revision.number}'")
            with self.step_list:
                self._step(commit)

    def _restorable(self, restorable: bool) -> None:
        if restorable and self.restore_button is None:
            with self.row:
                self.restore_button = ui.button("Restore", on_click=lambda: self.restore(self.number)).props(
                    f"outline dense data-testid=restore-revision aria-label='Restore revision {self.number}'")
        elif not restorable and self.restore_button is not None:
            self.restore_button.delete()
            self.restore_button = None

    def _step(self, commit: CommitView) -> None:
        count = len(commit.files)
        with ui.element("li").props(f"data-testid=revision-step data-commit={commit.commit}"):
            self.steps[commit.commit] = ui.button(
                f"{commit.author_name}: {_subject(commit)} · {count} file{'' if count == 1 else 's'}",
                on_click=lambda: self.select(commit.revision, commit.commit)).props(
                "flat dense no-caps align=left data-testid=show-step").classes("text-left")


def _subject(commit: CommitView) -> str:
    return commit.message.split("\n", 1)[0]
