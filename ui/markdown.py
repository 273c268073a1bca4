"""Markdown as BotArmy renders model output: code highlighted, mermaid drawn, HTML sanitized in the browser."""

from nicegui import ui
from nicegui.elements.markdown import prepare_content

EXTRAS = ["fenced-code-blocks", "tables", "mermaid", "cuddled-lists", "strike", "task_list"]


def markdown(content: str = "") -> ui.markdown:
    return ui.markdown(content, extras=EXTRAS, sanitize=True).classes("botarmy-markdown w-full")


def prerender(content: str) -> None:
    """Fill ui.markdown's render cache for this content (safe to call from a thread)."""
    prepare_content(content, extras=" ".join(EXTRAS))  # the same call ui.markdown makes, so its cache answers
