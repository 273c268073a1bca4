"""A user-facing error sentence that exists in the page only while there is one: a healthy page has no error-notice."""

from nicegui import ui


class ErrorNotice:
    def __init__(self, css: str) -> None:
        self.css = css
        self.slot = ui.element("div").classes("w-full")
        self.text = ""

    def show(self, text: str) -> None:
        if text == self.text:
            return
        self.text = text
        self.slot.clear()
        if text:
            with self.slot:
                with ui.row().classes(f"no-wrap items-center gap-2 {self.css}").props(
                        "role=alert data-testid=error-notice"):
                    ui.icon("info")
                    ui.label(text)
