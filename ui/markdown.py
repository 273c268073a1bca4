"""Markdown as BotArmy renders model output: code highlighted, mermaid drawn, HTML sanitized in the browser."""

import re

from nicegui import ui

EXTRAS = ["fenced-code-blocks", "tables", "mermaid", "cuddled-lists", "strike", "task_list"]

_FENCE = re.compile(r"^ {0,3}```", re.MULTILINE)


def markdown(content: str = "") -> ui.markdown:
    return ui.markdown(content, extras=EXTRAS, sanitize=True).classes("botarmy-markdown w-full")


def streaming_view(text: str) -> str:
    """What to render of a half-streamed answer: an open code fence is closed so code never shows as prose.

    An open mermaid block is shown as plain code until it is complete, instead of as a broken diagram.
    """
    fences = list(_FENCE.finditer(text))
    if len(fences) % 2 == 0:
        return text
    opening = fences[-1]
    line_end = text.find("\n", opening.start())
    if line_end < 0:
        return text[: opening.start()]
    if text[opening.end():line_end].strip().lower() == "mermaid":
        text = text[: opening.end()] + text[line_end:]
    return text + "\n```"
