"""The artifacts panel: each saved artifact readable in place (rendered markdown, highlighted code, drawn
diagrams), copyable and downloadable, with its earlier versions; and the whole project as one zip."""

from nicegui import ui

from core.domain.view import ArtifactView, RunView

from .clipboard import copy_to_clipboard
from .expansion import filled_when_opened
from .markdown import markdown, prerender
from .props import set_visible


class Artifacts:
    def __init__(self, run_id: str) -> None:
        with ui.column().classes("w-full gap-2").props("data-testid=artifacts") as self.column:
            with ui.row().classes("w-full justify-end") as self.actions:
                ui.button("Download all (.zip)", icon="folder_zip",
                          on_click=lambda: ui.download.from_url(f"/api/runs/{run_id}/artifacts.zip")).props(
                    "outline dense data-testid=download-all")
            self.placeholder = ui.label("Artifacts appear here as each agent finishes.").classes("text-grey-6")
        self.actions.set_visibility(False)
        self.shown: dict[str, tuple[tuple, ui.expansion]] = {}
        self.opened_for: str | None = None  # the checkpoint whose artifact was opened for review

    def update(self, view: RunView) -> None:
        set_visible(self.actions, bool(view.artifacts))
        for name in [name for name in self.shown if name not in view.artifacts]:  # sent back for changes
            self.shown.pop(name)[1].delete()
        for name, artifact in view.artifacts.items():
            revisions = view.revisions.get(name, [])
            key = (artifact.content, len(revisions))
            shown_key, entry = self.shown.get(name, (None, None))
            if shown_key == key:
                continue
            if self.placeholder is not None:
                self.placeholder.delete()
                self.placeholder = None
            if entry is not None:
                entry.delete()
            with self.column:
                self.shown[name] = (key, self._entry(artifact, revisions))
        pending = view.pending
        if pending is not None and pending.interrupt_id != self.opened_for and pending.agent in self.shown:
            self.opened_for = pending.interrupt_id
            self.shown[pending.agent][1].open()  # what waits for review is open to read

    @staticmethod
    def _entry(artifact: ArtifactView, revisions: list[ArtifactView]) -> ui.expansion:
        """The artifact's contents, its buttons too, are made when it is first opened: a closed artifact costs the
        page nothing, and opening a finished run does not render every answer twice (here and in the transcript).
        Its markdown is rendered then, in a worker thread, once however many tabs open it: not for every answer the
        run completes, in the flush that shows it, which made the run's next tokens wait."""
        caption = f"{artifact.title} · {artifact.filename}" + (" · edited by you" if artifact.edited else "")

        async def ready() -> None:
            for text in (artifact.content, *(revision.content for revision in revisions)):
                await prerender(text)

        def fill() -> None:
            with ui.row().classes("w-full justify-end gap-1"):
                ui.button("Copy", icon="content_copy", on_click=lambda: copy_to_clipboard(artifact.content)).props(
                    f"flat dense data-testid=copy-{artifact.agent}")
                ui.button("Download", icon="download", on_click=lambda: ui.download.content(
                    artifact.content, artifact.filename, "text/markdown")).props(
                    f"flat dense data-testid=download-{artifact.agent}")
            with ui.element("div").classes("w-full"):
                markdown(artifact.content)
                if revisions:
                    with ui.expansion(f"Earlier versions ({len(revisions)})", icon="history").classes("w-full").props(
                            f"dense data-testid=revisions-{artifact.agent}"):
                        for number, revision in enumerate(revisions, 1):
                            ui.label(f"Version {number}").classes("text-overline")
                            markdown(revision.content)

        return filled_when_opened(caption, "description", fill, ready).classes("artifact w-full").props(
            f"dense data-testid=artifact-{artifact.agent} data-edited={str(artifact.edited).lower()} "
            "header-class=text-weight-medium")
