"""Validation of a project brief, shared by every way of starting a run."""

import re

# Control characters other than tab and newline carry no meaning in a brief and confuse renderers.
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")


class BriefError(ValueError):
    """A brief that cannot start a run; the message is written for the user."""


def clean_brief(text: str | None, max_chars: int) -> str:
    brief = _CONTROL.sub("", (text or "").replace("\r\n", "\n")).strip()
    if not brief:
        raise BriefError("Please describe your project: the brief is empty.")
    if len(brief) > max_chars:
        raise BriefError(f"The brief is {len(brief):,} characters long; the limit is {max_chars:,}. Please shorten it.")
    return brief
