"""An expansion whose contents are made the first time it is opened: closed, it costs the page, and every tab of a
run that shows it, only its header."""

from collections.abc import Awaitable, Callable

from nicegui import ui


def filled_when_opened(caption: str, icon: str, fill: Callable[[], None],
                       ready: Callable[[], Awaitable[None]] | None = None) -> ui.expansion:
    """`fill` makes the contents inside the expansion; `ready`, awaited before, prepares what they need."""
    async def opened(event) -> None:
        if not event.value or expansion.default_slot.children:
            return
        if ready is not None:
            await ready()
        if not expansion.default_slot.children and not expansion.is_deleted:  # not filled meanwhile, nor replaced
            with expansion:
                fill()

    expansion = ui.expansion(caption, icon=icon, on_value_change=opened)
    return expansion
