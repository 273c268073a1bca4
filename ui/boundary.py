"""Error boundaries: one failing component shows a small fallback with Retry; the rest of the page keeps working."""

import logging
from collections.abc import Callable
from typing import Any

from nicegui import ui

log = logging.getLogger("botarmy.ui")


class Boundary:
    """Builds a component inside its own container and routes every call to it through a guard.

    `build` creates the elements and returns an object whose methods (such as `update(view)`) the page calls.
    """

    def __init__(self, name: str, build: Callable[[], Any]) -> None:
        self.name = name
        self.build = build
        self.component: Any = None
        self._last_calls: dict[str, tuple] = {}
        self.container = ui.element("div").classes("w-full")
        self._mount()

    def _mount(self) -> None:
        self.container.clear()
        try:
            with self.container:
                self.component = self.build()
        except Exception:  # noqa: BLE001 - the boundary's whole job
            self._fail()

    def call(self, method: str, *args: Any) -> None:
        """Call a method of the component; a failure swaps the component for the fallback."""
        self._last_calls[method] = args
        if self.component is None:
            return
        try:
            getattr(self.component, method)(*args)
        except Exception:  # noqa: BLE001 - the boundary's whole job
            self._fail()

    def retry(self) -> None:
        self._mount()
        for method, args in list(self._last_calls.items()):
            self.call(method, *args)

    def _fail(self) -> None:
        log.exception("component %r failed; showing its fallback", self.name)
        self.component = None
        self.container.clear()
        with self.container:
            with ui.card().classes("w-full items-start gap-2 bg-amber-50").props("flat bordered data-testid=component-fallback"):
                ui.label("This part of the page could not be shown.").classes("text-sm")
                ui.button("Retry", icon="refresh", on_click=self.retry).props("flat dense data-testid=component-retry")
