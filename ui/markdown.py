"""Markdown as BotArmy renders model output: code highlighted, mermaid drawn, and the model's HTML shown as text.

The HTML comes from model_html (escaped and sanitized on the server) and is sanitized again in the browser by
model_markdown.js, which also draws diagrams with mermaid in strict mode. Rendering a long answer takes the server
a while, so it happens in a worker thread, once per text however many tabs wait for it (`prerender`), and the
event loop only ever takes the result from the cache.
"""

import asyncio
from pathlib import Path

from nicegui import background_tasks
from nicegui.element import Element
from pygments.formatters import HtmlFormatter

from . import model_html

# The browser-side rules for model output, shared with the streaming renderer, and the highlighter its finished
# code blocks use.
CONTENT_RULES = {"botarmy-model-content": str(Path(__file__).resolve().parent / "model_content"),
                 "botarmy-highlight": str(Path(__file__).resolve().parent.parent / "assets" / "vendor" / "highlight")}

# The colours of highlighted code, light and dark (the page's own style sheet, see ui.theme.frame).
CODE_STYLE = (HtmlFormatter(nobackground=True).get_style_defs(".codehilite")
              + HtmlFormatter(nobackground=True, style="github-dark").get_style_defs(".body--dark .codehilite"))

# Loads what the first answer would otherwise load while a user waits: pygments' lexers, including the search of
# every installed lexer that a diagram's fence (no lexer of that name) sets off, which takes about a second.
_WARM_UP = "# Warm-up\n\n| a | b |\n|---|---|\n| 1 | 2 |\n\n```python\nx = 1\n```\n\n```mermaid\ngraph TD\n  A --> B\n```\n"

_rendering: dict[str, asyncio.Future] = {}


class ModelMarkdown(Element, component="model_markdown.js", esm=CONTENT_RULES, default_classes="nicegui-markdown"):
    """A complete answer or artifact, as HTML rendered by model_html (taken from its cache once prerendered)."""

    def __init__(self, content: str) -> None:
        super().__init__()
        self.props["innerHTML"] = model_html.render(content)


def markdown(content: str) -> ModelMarkdown:
    return ModelMarkdown(content).classes("botarmy-markdown w-full")


async def prerender(content: str) -> None:
    """Fill the render cache for this content in a worker thread; callers waiting for the same text share one
    rendering."""
    if model_html.is_rendered(content):
        return
    rendering = _rendering.get(content)
    if rendering is None:
        rendering = _rendering[content] = asyncio.ensure_future(asyncio.to_thread(model_html.render, content))
        rendering.add_done_callback(lambda _: _rendering.pop(content, None))
    await asyncio.shield(rendering)


def warm_up() -> None:
    """Load it in a worker thread, without holding up the server's start."""
    background_tasks.create(prerender(_WARM_UP), name="markdown-warm-up")
