"""Commands for the process that works a run, whichever it is: named signals, routed by the run's Runner.

A signal is a short string, `kind` or `kind:argument` (a terminal interrupt names its command, for example).
Handlers are registered by kind on the Executor (core.engine.executor), so a new kind needs no new routing.
"""

from enum import StrEnum


class Signal(StrEnum):
    CANCEL = "cancel"  # stop the run now; it records itself as cancelled
    PAUSE = "pause"  # stop at the next safe point, before the next agent


def split(signal: str) -> tuple[str, str]:
    """(kind, argument) of a signal."""
    kind, _, argument = signal.partition(":")
    return kind, argument
