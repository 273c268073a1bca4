"""Calls of client-side component methods, gathered per tab while a flush renders and sent as one message.

`element.run_method` sends one socket message per call. A tab's update of one frame makes several calls (the
appended text, the token count, the progress), so while the page's `Calls` element has a batch open they are
collected, and then leave with one `run_method` of that element, whose component (calls.js) makes them in order.
"""

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from nicegui.element import Element

_open: dict[str, list[tuple[int, str, tuple]]] = {}  # client id -> the calls gathered so far


class Calls(Element, component="calls.js"):
    """One per page; shows nothing."""

    @contextmanager
    def gathered(self) -> Iterator[None]:
        """Gather the calls made inside (by `call`) for the elements of this page's tab, and send them as one."""
        client_id = self.client.id
        batch = _open[client_id] = []
        try:
            yield
        finally:
            del _open[client_id]
            if batch:
                self.run_method("apply", batch)


def call(element: Element, method: str, *args: Any) -> None:
    """`element.run_method(method, *args)`, without waiting for an answer; gathered when a batch is open."""
    batch = _open.get(element.client.id)
    if batch is None:
        element.run_method(method, *args)
    else:
        batch.append((element.id, method, args))
