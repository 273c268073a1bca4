"""Error boundaries: one failing component shows a small fallback with Retry; the rest of the page keeps working."""

import logging
from collections.abc import Callable
from typing import Generic, Protocol, TypeVar

from nicegui import ui

from core.domain.view import RunView

from .scope import Scope

log = logging.getLogger("botarmy.ui")

FALLBACK = "This part of the page could not be shown."


class Component(Protocol):
    """What a boundary wraps: a part of the run's page that shows the run's view."""

    def update(self, view: RunView) -> None: ...


class Ticking(Component, Protocol):
    """A component with a clock: `tick` moves what time alone changes (elapsed time, a countdown) between updates."""

    def tick(self, view: RunView) -> None: ...


C = TypeVar("C", bound=Component, covariant=True)
T = TypeVar("T", bound=Ticking)


class Boundary(Generic[C]):
    """Builds a component inside its own container and guards every call to it.

    `build` creates the elements and returns the component. A failure, building it or showing a view, swaps it for
    the fallback; Retry builds it again and shows it the last view it was given.
    """

    def __init__(self, name: str, build: Callable[[], C], *, deferred: bool = False,
                 needed: Callable[[RunView], bool] | None = None) -> None:
        """`deferred`: shown after the page's first mount (Scope). `needed`: built only once a view needs it, for what
        most pages never show (a form for a question the run may never ask): hidden, it would still be mounted."""
        self.name = name
        self.build = build
        self.needed = needed
        self.mounted = False
        self.component: C | None = None
        self.view: RunView | None = None
        self.container = Scope(deferred=deferred).classes("w-full")  # its changes render it alone
        if needed is None:
            self._mount()

    def update(self, view: RunView) -> None:
        self.view = view
        if not self.mounted and self.needed(view):
            self._mount()
        self._guard(lambda component: component.update(view))

    def tick(self: "Boundary[T]", view: RunView) -> None:
        self._guard(lambda component: component.tick(view))

    def retry(self) -> None:
        self._mount()
        if self.view is not None:
            self.update(self.view)

    def _mount(self) -> None:
        self.mounted = True
        self.container.clear()
        try:
            with self.container:
                self.component = self.build()
        except Exception:  # noqa: BLE001 - the boundary's whole job
            self._fail()

    def _guard(self, action: Callable[[C], None]) -> None:
        if self.component is None:
            return
        try:
            action(self.component)
        except Exception:  # noqa: BLE001 - the boundary's whole job
            self._fail()

    def _fail(self) -> None:
        log.exception("component %r failed; showing its fallback", self.name)
        self.component = None
        self.container.clear()
        with self.container:
            with ui.card().classes("w-full items-start gap-2 bg-amber-50").props("flat bordered data-testid=component-fallback"):
                ui.label(FALLBACK).classes("text-sm")
                ui.button("Retry", icon="refresh", on_click=self.retry).props("flat dense data-testid=component-retry")
