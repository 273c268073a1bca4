"""Small helpers that touch an element only when something really changed, so no update is sent for nothing."""

from nicegui import ui
from nicegui.element import Element


def set_prop(element: Element, key: str, value: str) -> None:
    if element.props.get(key) != value:
        element.props[key] = value


def set_text(label: ui.label, text: str) -> None:
    if label.text != text:
        label.set_text(text)


def set_visible(element: Element, visible: bool) -> None:
    if element.visible != visible:
        element.set_visibility(visible)
