"""The project's revisions on the run page: each with its request, who changed what, its verdict and what its calls
cost, a Restore button, the changes of the selected one as a diff, and the box that asks for the next revision once
the run is at rest. Requests go to the RunService as commands; what is shown is the fold's."""

from nicegui import ui

from core.codebase.diff import unified_diff
from core.domain.files import FileView, RevisionView
from core.domain.inputs import InputError
from core.domain.revisions import revision_changes, revision_files, revision_status, revision_verdict
from core.domain.view import RunView
from core.engine.commands import RunService
from core.engine.revisions import NoSuchRevision, RevisionConflict

from .props import set_visible
from .status import money

ORIGINS = {"first": "First run", "change": "Change", "restore": "Restore", "import": "Imported"}
MAX_DIFF_CHARS = 100_000  # of one file's diff on the page; the REST diff has all of it
CUT = "\n… (the rest of this file's changes is in the downloaded zip)"
NO_CHANGES = "This revision changed no file."
IMPORT_NOTES = "What the imported zip left out, or keeps from the model:"


class RevisionsPanel:
    def __init__(self, run_id: str, runs: RunService) -> None:
        self.run_id, self.runs = run_id, runs
        self.selected: int | None = None  # None: the latest
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
            self.diff = ui.column().classes("w-full gap-2").props("data-testid=diff-view")

    def update(self, view: RunView) -> None:
        self._view = view
        set_visible(self.follow_up, view.finished)
        project = view.project
        shown = (view.finished, self.selected, len(project.commits), view.usage.total.calls,
                 tuple((revision.number, revision_status(view, revision), revision_verdict(view, revision))
                       for revision in project.revisions))
        if shown == self._shown:
            return
        self._shown = shown
        self.import_notes.clear()
        with self.import_notes:
            if project.import_notes:
                ui.label(IMPORT_NOTES).classes("text-body2")
            for note in project.import_notes:
                ui.label(note.sentence).classes("text-caption text-grey-8").props("data-testid=import-note")
        self.items.clear()
        with self.items:
            for revision in project.revisions:
                self._item(view, revision)
        selected = project.revision_of(self.selected) if self.selected else project.current
        self.diff.clear()
        if selected is not None:
            with self.diff:
                self._diff(view, selected)

    def _item(self, view: RunView, revision: RevisionView) -> None:
        status, verdict = revision_status(view, revision), revision_verdict(view, revision)
        authors = sorted({commit.author for commit in view.project.commits if commit.revision == revision.number})
        spent = view.usage.revisions.get(revision.number)
        with ui.row().classes("w-full items-center gap-2 no-wrap").props(
                f"data-testid=revision-item data-revision={revision.number} data-status={status}"):
            ui.button(f"{revision.number}", on_click=lambda number=revision.number: self._select(number)).props(
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

    def _diff(self, view: RunView, revision: RevisionView) -> None:
        ui.label(f"Changes of revision {revision.number}").classes("text-subtitle2")
        changes = revision_changes(view, revision)
        if not changes:
            ui.label(NO_CHANGES).classes("text-caption text-grey-8")
        after = revision_files(view, revision)
        for change in changes:
            text = unified_diff(_data(revision.base, change.path), _data(after, change.path))
            with ui.column().classes("w-full gap-0") as file:
                file.props.update({"data-testid": "diff-file", "data-path": change.path,
                                   "data-change": str(change.change)})
                ui.label(f"{change.change}: {change.path}").classes("text-body2 text-weight-medium")
                # Plain text, not ui.code: that renders a markdown fence around the diff, and a "```" in a file the
                # agents wrote (model text) closes it, so the rest would reach the page as markdown and raw HTML.
                ui.label(text if len(text) <= MAX_DIFF_CHARS else text[:MAX_DIFF_CHARS] + CUT).classes(
                    "w-full whitespace-pre overflow-auto font-mono text-caption")

    def _select(self, number: int) -> None:
        self.selected = number
        if self._view is not None:
            self.update(self._view)

    async def _send(self) -> None:
        try:
            await self.runs.revise(self.run_id, self.request.value or "")
        except (InputError, RevisionConflict) as refused:
            ui.notify(str(refused), type="warning")
            return
        self.request.value = ""
        self.selected = None

    async def _restore(self, number: int) -> None:
        try:
            await self.runs.restore(self.run_id, number)
        except (InputError, RevisionConflict, NoSuchRevision) as refused:
            ui.notify(str(refused), type="warning")
            return
        self.selected = None


def _data(files: dict[str, FileView], path: str) -> dict[str, bytes]:
    return {path: files[path].data} if path in files else {}
