"""Commands for the process that works a run, whichever it is: named signals, routed by the run's Runner.

A signal is a short string, `kind` or `kind:argument`. Handlers are registered by kind on the Executor
(core.engine.executor), so a new kind needs no new routing. A terminal interrupt is not a signal: the command may run
on a web instance, which holds no job; it travels as an event in the run's log (core.engine.execution).
"""

from enum import StrEnum


class Signal(StrEnum):
    CANCEL = "cancel"  # stop the run now; it records itself as cancelled
    PAUSE = "pause"  # stop at the next safe point, before the next agent


def split(signal: str) -> tuple[str, str]:
    """(kind, argument) of a signal."""
    kind, _, argument = signal.partition(":")
    return kind, argument
