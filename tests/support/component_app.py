"""BotArmy's client-side components alone in a NiceGUI app, for browser tests of what they do with what the server
sends them: `python -m tests.support.component_app PORT`.

/streaming: an answer that grows by a paragraph a click (`grow`), with its count of paragraphs beside it (a live
value), is sent again as a whole (`resend`; `remount`: and mounted afresh), or both with an append still on its way
(`race`). /calls: two probes that note the calls they get, in order (window.notes), and a flush of calls that
includes one that throws.
"""

import sys

from nicegui import ui
from nicegui.element import Element

from core.domain.view import MessageView
from ui.calls import Calls, call
from ui.live_value import LiveText
from ui.streaming_markdown import StreamingMarkdown


class Probe(Element, component="probe.js"):
    """Notes each call of `note` as [its test id, the value] in window.notes; `fail` throws."""


def paragraph(number: int) -> str:
    return f"Paragraph {number}.\n\n"


@ui.page("/streaming")
def streaming() -> None:
    calls = Calls()
    message = MessageView("message", "analyst", paragraph(1))
    body = StreamingMarkdown(message)
    counter = LiveText("1 paragraph").props("data-testid=counter")
    count = 1

    def add() -> None:
        nonlocal count
        count += 1
        message.add(paragraph(count))

    def grow() -> None:
        add()
        with calls.gathered():
            body.show()
            counter.set(f"{count} paragraphs")

    def remount() -> None:
        """Sent again with a new listener, which makes the browser mount the elements afresh from what they are sent."""
        body.on("noted", lambda: None)
        counter.on("noted", lambda: None)

    def race(send_again) -> None:
        """An append leaves, the element is sent again with more text before the append arrives, then one more."""
        grow()
        add()
        send_again()
        grow()

    ui.button("grow", on_click=grow)
    ui.button("resend", on_click=body.update)
    ui.button("remount", on_click=remount)
    ui.button("race", on_click=lambda: race(body.update))
    ui.button("race remounted", on_click=lambda: race(remount))


@ui.page("/calls")
def calls_page() -> None:
    calls = Calls()
    first = Probe().props("data-testid=first")
    second = Probe().props("data-testid=second")

    def flush() -> None:
        with calls.gathered():
            call(first, "note", 1)
            call(second, "note", 2)
            call(first, "fail")
            call(second, "note", 3)
            call(first, "note", 4)

    ui.button("flush", on_click=flush)
    ui.button("single", on_click=lambda: call(second, "note", "single"))


if __name__ in {"__main__", "__mp_main__"}:
    ui.run(host="127.0.0.1", port=int(sys.argv[1]), show=False, reload=False, reconnect_timeout=10)
