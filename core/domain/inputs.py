"""Validation of what users type (brief, feedback, edited artifacts, approval choices), shared by every way in."""

import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence

# Control characters other than tab and newline carry no meaning in text and confuse renderers; lone surrogates
# (a JSON body may spell them as \ud800) are not text at all and cannot be stored as UTF-8.
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f\ud800-\udfff]")


class InputError(ValueError):
    """Input that cannot be used; the message is written for the user."""


class Busy(InputError):
    """The user has reached a limit; `retry_after` says when trying again can work, when that is known."""

    def __init__(self, message: str, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


def clean_text(text: str | None, max_chars: int, *, what: str, empty: str) -> str:
    """Normalised text; `empty` is the message for blank input, `what` names the text in the length message."""
    text = text if isinstance(text, str) else ""  # a page's field can be sent any JSON value
    cleaned = _CONTROL.sub("", text.replace("\r\n", "\n")).strip()
    if all(char.isspace() or unicodedata.category(char) == "Cf" for char in cleaned):  # nothing anyone can see
        raise InputError(empty)
    if len(cleaned) > max_chars:
        raise InputError(f"The {what} is {len(cleaned):,} characters long; the limit is {max_chars:,}. "
                         "Please shorten it.")
    return cleaned


def clean_brief(text: str | None, max_chars: int) -> str:
    return clean_text(text, max_chars, what="brief", empty="Please describe your project: the brief is empty.")


def clean_feedback(text: str | None, max_chars: int) -> str:
    return clean_text(text, max_chars, what="feedback",
                      empty="Please write what should change: the feedback is empty.")


def clean_edit(text: str | None, max_chars: int) -> str:
    return clean_text(text, max_chars, what="edited text", empty="The edited text is empty; write the artifact or "
                      "approve it as it is.")


def clean_query(text: str | None) -> str | None:
    """A search text as typed, without what cannot be searched for; None when nothing is left."""
    return " ".join(_CONTROL.sub("", text or "").split()) or None


def clean_name(text: str | None, max_chars: int) -> str:
    """A run's name on one line; empty is allowed (the brief names the run again)."""
    name = " ".join((text or "").split())
    return clean_text(name, max_chars, what="name", empty="") if name else ""


def parse_approvals(value: str | Iterable[str] | None, choices: Sequence[str]) -> list[str]:
    """`none`, `all`, a comma list or a list of agent names → the chosen agents in pipeline order."""
    names = value.split(",") if isinstance(value, str) else list(value or ())
    names = [name.strip().lower() for name in names if name.strip()]
    if names in ([], ["none"]):
        return []
    if names == ["all"]:
        return list(choices)
    unknown = [name for name in names if name not in choices]
    if unknown:
        raise InputError(f"Unknown agent {unknown[0]!r} in approvals: use none, all, or a comma list of "
                         f"{', '.join(choices)}.")
    return [name for name in choices if name in names]


# What endpoints name their models: letters, digits and . _ - : / @ + (such as `gpt-4o`, `llama3.1:8b`,
# `meta-llama/Llama-3.1-8B-Instruct`).
_MODEL_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:/@+-]{0,99}")
MODELS_HELP = "Name models per agent as a comma list such as developer=gpt-4o,tester=gpt-4o-mini"
MAX_PROMPT_CHARS = 20_000


def clean_model(name: object, agent: str) -> str:
    """A model name as endpoints take it; InputError naming the agent otherwise."""
    model = name.strip() if isinstance(name, str) else ""
    if not _MODEL_NAME.fullmatch(model):
        raise InputError(f"The model for {agent} must be a name such as gpt-4o-mini: up to 100 letters, digits "
                         "and . _ - : / @ +.")
    return model


def parse_models(value: str | Mapping[str, object] | None, choices: Sequence[str]) -> dict[str, str]:
    """`developer=gpt-4o,tester=gpt-4o-mini` (or the same as a mapping) → agent → model, for the agents named; an
    agent without a model takes the default. InputError for an unknown agent, a malformed pair or a bad name."""
    if value is None:
        return {}
    if isinstance(value, str):
        pairs = []
        for item in (part.strip() for part in value.split(",")):
            if not item:
                continue
            agent, equals, model = item.partition("=")
            if not equals:
                raise InputError(f"{MODELS_HELP}; {item!r} has no '='.")
            pairs.append((agent.strip().lower(), model))
    elif isinstance(value, Mapping):
        pairs = [(str(agent).strip().lower(), model) for agent, model in value.items()]
    else:
        raise InputError(f"{MODELS_HELP}, or as an object of agent names and models.")
    models: dict[str, str] = {}
    for agent, model in pairs:
        if agent not in choices:
            raise InputError(f"Unknown agent {agent!r} in models: name one of {', '.join(choices)}.")
        models[agent] = clean_model(model, agent)
    return models


def clean_prompts(value: Mapping[str, object] | None, choices: Sequence[str], titles: Mapping[str, str],
                  max_chars: int = MAX_PROMPT_CHARS) -> dict[str, str]:
    """Agent → the system prompt written for it, cleaned like a brief; InputError naming the agent otherwise."""
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        raise InputError("Prompts must be an object of agent names and their system prompts.")
    prompts: dict[str, str] = {}
    for agent, text in value.items():
        name = str(agent).strip().lower()
        if name not in choices:
            raise InputError(f"Unknown agent {name!r} in prompts: name one of {', '.join(choices)}.")
        title = titles.get(name, name)
        prompts[name] = clean_text(text, max_chars, what=f"{title}'s prompt",
                                   empty=f"The {title}'s prompt is empty: write one, or leave the default.")
    return prompts


def clean_soft_budget(value: object) -> float | None:
    """A soft budget in US dollars: a positive number, or None (no soft budget)."""
    if value is None or value == "":
        return None
    if isinstance(value, str):
        try:
            value = float(value.strip().removeprefix("$"))
        except ValueError:
            raise InputError("The soft budget must be an amount of US dollars, such as 2.00.") from None
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0 < value <= 100_000:
        raise InputError("The soft budget must be an amount of US dollars above 0 and at most 100,000.")
    return float(value)


MAX_COMMAND_CHARS = 4000
EMPTY_COMMAND = "Type a command to run, such as pytest -q."
MULTILINE_COMMAND = ("A command is one line: it cannot contain a line break. Join several commands with && or ; "
                     "instead.")
CONTROL_IN_COMMAND = "A command cannot contain control characters."


def clean_command(text: str | None, max_chars: int = MAX_COMMAND_CHARS) -> str:
    """A command line to run in a run's workspace: one line of printable text (the shell that reads it runs in the
    sandbox, so its metacharacters are the user's to use)."""
    text = (text if isinstance(text, str) else "").strip()
    if not text:
        raise InputError(EMPTY_COMMAND)
    if "\n" in text or "\r" in text:
        raise InputError(MULTILINE_COMMAND)
    if _CONTROL.search(text.replace("\t", " ")):
        raise InputError(CONTROL_IN_COMMAND)
    if len(text) > max_chars:
        raise InputError(f"The command is {len(text):,} characters long; the limit is {max_chars:,}.")
    return text
