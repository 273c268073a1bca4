"""Commands for the process that works a run, whichever it is: named signals, routed by the run's Runner.

A signal is a Signal, sent by name (through the job board and Redis when scaled out) and handled by kind in the
Executor (core.engine.executor.Executor.signal), so a new kind is a member here and its case there: the routing
stays. A terminal interrupt is not a signal: the command may run on a web instance, which holds no job; it travels as
an event in the run's log (core.engine.execution.interrupts).
"""

from enum import StrEnum


class Signal(StrEnum):
    CANCEL = "cancel"  # stop the run now; it records itself as cancelled
    PAUSE = "pause"  # stop at the next safe point, before the next agent
