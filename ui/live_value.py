"""Values that change while an answer streams (token counts, progress, elapsed time), shown without an element
update.

An element update makes NiceGUI's page re-render its whole element tree in the browser, so a card whose counter
changed with every flush cost every tab a render of the whole page. A live value changes with one small message
that only its own component handles; whenever the element itself is sent again, it carries the value it shows.
"""

from typing import Any

from nicegui.element import Element

from .calls import call


class _LiveValue(Element, component="live_value.js"):
    def __init__(self, value: Any) -> None:
        super().__init__()
        self.value = value
        self.data: dict[str, str] = {}
        self._hold()

    def set(self, value: Any, **data: str) -> None:
        """`data`: the element's data attributes by their dataset names (costUsd is data-cost-usd)."""
        if value != self.value or data != self.data:
            self.value, self.data = value, data
            call(self, "show", value, data)

    def update(self) -> None:
        """The element is sent again: it carries the value it shows now."""
        self._hold()
        super().update()

    def _hold(self) -> None:
        # Into the props only when the element itself is sent (made, or sent again), not with each change: a change
        # goes as a call, and changing the props costs more than the call.
        with self.props.suspend_updates():
            self.props.update(value=self.value, data=self.data)


class LiveText(_LiveValue):
    """A line of text, such as "1,234 tokens · $0.01"."""


class LiveBar(_LiveValue):
    """A progress bar from 0 to 1, drawn without a transition: it moves when the text does, and no animation
    repaints the page in between."""

    def __init__(self, value: float) -> None:
        super().__init__(value)
        self.props["bar"] = True
