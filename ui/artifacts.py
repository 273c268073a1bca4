"""The artifacts panel: one entry per saved artifact, readable in place and downloadable."""

from nicegui import ui

from core.fold import ArtifactView, RunView

from .markdown import markdown


class Artifacts:
    def __init__(self) -> None:
        with ui.column().classes("w-full gap-2").props("data-testid=artifacts") as self.column:
            self.placeholder = ui.label("Artifacts appear here as each agent finishes.").classes("text-grey-6")
        self.shown: dict[str, tuple[str, ui.expansion]] = {}

    def update(self, view: RunView) -> None:
        for name, artifact in view.artifacts.items():
            content, entry = self.shown.get(name, (None, None))
            if content == artifact.content:
                continue
            if self.placeholder is not None:
                self.placeholder.delete()
                self.placeholder = None
            if entry is not None:
                entry.delete()
            with self.column:
                self.shown[name] = (artifact.content, self._entry(artifact))

    @staticmethod
    def _entry(artifact: ArtifactView) -> ui.expansion:
        with ui.expansion(f"{artifact.title} · {artifact.filename}", icon="description").classes(
                "artifact w-full").props(f"dense data-testid=artifact-{artifact.agent} header-class=text-weight-medium") as entry:
            with ui.row().classes("w-full justify-end"):
                ui.button("Download", icon="download", on_click=lambda: ui.download.content(
                    artifact.content, artifact.filename, "text/markdown")).props(
                    f"flat dense data-testid=download-{artifact.agent}")
            markdown(artifact.content)
        return entry
