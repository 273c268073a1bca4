"""Commands in a run's workspace: the user's own (from the terminal or the API) and the pipeline's (its tests).

The package's modules each do one job: `lifecycle` (request, start, output, end), `output` (the output's way to
the log), `ending` (how a command ended, judged from its exit: pure), `interrupts` (Ctrl-C across processes),
`running` (what runs here, and turns), `upkeep` (recovery, sweeping, shutdown) and `service`, which wires them.
Callers import from here and depend on the interface they use (`interfaces`).
"""

from .ending import WITH_SERVER, ended
from .interfaces import (
    CommandInProgress,
    CommandLimits,
    CommandObserver,
    ProjectCommands,
    Ran,
    TerminalCommands,
    UserCommands,
)
from .service import ExecutionService

__all__ = ["WITH_SERVER", "CommandInProgress", "CommandLimits", "CommandObserver", "ExecutionService",
           "ProjectCommands", "Ran", "TerminalCommands", "UserCommands", "ended"]
