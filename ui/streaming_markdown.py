"""The live view of an answer while it streams: only appended text crosses the socket, rendered in the browser.

Sending the whole growing message on every flush costs O(n²) traffic and server-side rendering; appending keeps
both linear. Once the answer is complete, the transcript swaps this for the server-rendered markdown with
highlighted code and drawn diagrams.
"""

from pathlib import Path

from nicegui.element import Element

from .markdown import CONTENT_RULES

_VENDOR = Path(__file__).resolve().parent.parent / "assets" / "vendor" / "marked"


class StreamingMarkdown(Element, component="streaming_markdown.js",
                        esm={"botarmy-marked": str(_VENDOR), **CONTENT_RULES}):
    def __init__(self, text: str = "") -> None:
        super().__init__()
        self._props["text"] = text
        self.text = text

    def show(self, text: str) -> None:
        if text == self.text:
            return
        if text.startswith(self.text):
            self.run_method("append", len(self.text), text[len(self.text):])
            # Kept for a client that renders this element afresh, without sending the whole text now.
            with self.props.suspend_updates():
                self.props["text"] = text
        else:
            self.props["text"] = text
        self.text = text
