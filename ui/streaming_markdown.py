"""An answer in the transcript, while it streams and once complete: only appended text crosses the socket, rendered
in the browser (streaming_markdown.js).

Each flush sends what the message gained since the length this element has shown (MessageView.since), so a
token costs the same however long the answer is. When the answer completes the browser finishes it in place (its
last block, highlighted code, drawn diagrams): nothing is rendered again or swapped.
"""

from pathlib import Path

from nicegui.element import Element

from core.domain.view import MessageView

from .calls import call
from .markdown import CONTENT_RULES

_VENDOR = Path(__file__).resolve().parent.parent / "assets" / "vendor" / "marked"


class StreamingMarkdown(Element, component="streaming_markdown.js",
                        esm={"botarmy-marked": str(_VENDOR), **CONTENT_RULES}):
    def __init__(self, message: MessageView) -> None:
        super().__init__()
        self.message = message
        self._hold_text()

    def show(self) -> None:
        """Send what the message gained since the last call, and that it is complete once it is."""
        if self.message.length > self.shown:
            call(self, "append", self.shown, self.message.since(self.shown))
            self.shown = self.message.length
        if self.message.complete and not self.completed:
            call(self, "finish")
            self.completed = True

    def update(self) -> None:
        """The element is sent again: it carries the whole text, and the appends after it start at its end."""
        self._hold_text()
        super().update()

    def _hold_text(self) -> None:
        # The whole text only when the element itself is sent (it is made, or sent again), never per token; the
        # browser skips what an append repeats of it, so an append sent before the text arrives is not doubled.
        with self.props.suspend_updates():
            self.props["text"] = self.message.text
            self.props["complete"] = self.message.complete
        self.shown = self.message.length
        self.completed = self.message.complete
