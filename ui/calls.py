"""Calls of client-side component methods, gathered per tab while a flush renders and sent as one message.

`element.run_method` sends one socket message per call, each through a task of its own. A tab's update of one frame
makes several calls (the appended text, the token count, the progress), so while `gathered(client)` is open they
are collected and then leave as one message, one call per line, in order, straight into the tab's outbox.
"""

import json
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from nicegui import Client
from nicegui.element import Element

_open: dict[str, list[str]] = {}  # client id -> the calls gathered so far


@contextmanager
def gathered(client: Client) -> Iterator[None]:
    lines = _open[client.id] = []
    try:
        yield
    finally:
        del _open[client.id]
        if lines and not client.is_deleted:
            client.outbox.enqueue_message("run_javascript", {"code": "\n".join(lines)}, client.id)


def call(element: Element, method: str, *args: Any) -> None:
    """`element.run_method(method, *args)`, without waiting for an answer; gathered when a batch is open."""
    lines = _open.get(element.client.id)
    if lines is None:
        element.run_method(method, *args)
    else:
        # Each call on its own, as separate messages would be: one that throws does not stop the others.
        lines.append(f"try {{ runMethod({element.id}, {json.dumps(method)}, {json.dumps(args)}); }} "
                     "catch (error) { console.error(error); }")
