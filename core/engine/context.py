"""The orchestrator interface: what the run engine hands an orchestrator, and what it expects back.

An orchestrator (agents.pipeline today, ControlFlow later) is any async callable that takes a RunContext and emits
the run's events through it until the segment ends (RUN_FINISHED or RUN_ERROR). It persists nothing itself.
"""

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Protocol

from core.domain.events import Event, StoredEvent
from core.domain.view import RunView


class Emit(Protocol):
    async def __call__(self, *events: Event) -> list[StoredEvent]: ...


@dataclass(frozen=True)
class RunContext:
    """The run so far as `view`, which `emit` keeps current: every event the run emits is persisted (before anyone
    sees it) and folded into it. And whether the user asked to pause."""

    run_id: str
    brief: str
    view: RunView
    emit: Emit
    pause_requested: Callable[[], bool]


class Orchestrator(Protocol):
    def __call__(self, run: RunContext) -> Awaitable[None]: ...
