"""Markdown as BotArmy renders model output: code highlighted, mermaid drawn, and the model's HTML shown as text.

The HTML comes from model_html (escaped and sanitized on the server) and is sanitized again in the browser by
model_markdown.js, which also draws diagrams with mermaid in strict mode.
"""

from pathlib import Path

from nicegui import ui

from . import model_html

# The browser-side rules for model output, shared with the streaming renderer.
CONTENT_RULES = {"botarmy-model-content": str(Path(__file__).resolve().parent / "model_content")}


class ModelMarkdown(ui.markdown, component="model_markdown.js", esm=CONTENT_RULES):
    def __init__(self, content: str = "") -> None:
        super().__init__(content, extras=model_html.EXTRAS)
        # Our component always sanitizes, with its own profile, and always draws diagrams: these flags mean nothing.
        self.props(remove="sanitize use-mermaid")

    def _handle_content_change(self, content: str) -> None:
        html = model_html.render(content)
        if self._props.get("innerHTML") != html:
            self._props["innerHTML"] = html


def markdown(content: str = "") -> ModelMarkdown:
    return ModelMarkdown(content).classes("botarmy-markdown w-full")


def prerender(content: str) -> None:
    """Fill the render cache for this content (safe to call from a thread)."""
    model_html.render(content)
