"""Copy text for the user, and say so."""

from nicegui import ui


def copy_to_clipboard(text: str) -> None:
    ui.clipboard.write(text)
    ui.notify("Copied to the clipboard.")
