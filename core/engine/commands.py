"""The commands that change runs: start, pause, decide, cancel, resume, rename, delete, recover.

Every control is a command that records an event first; the pipeline reads the run's state from the folded log,
so a decision, a pause or an interruption survives a reload and a server restart. Where a run is worked is the
Runner's business (core.engine.runner): in this process by default, by workers when scaled.
"""

import uuid
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass

from core.domain.custom import ApprovalDecided, PauseRequested, RunConfigured, custom
from core.domain.inputs import (
    Busy,
    clean_brief,
    clean_edit,
    clean_feedback,
    clean_name,
    parse_approvals,
)
from core.domain.status import AT_REST, RESUMABLE, Decision
from core.eventlog.bus import Bus
from core.limits.shared import PerKeyLimit
from core.storage.event_log import EventLog
from core.storage.run_catalogue import RunCatalogue

from .closing import INTERRUPTED_MESSAGE, cancelled, close_out
from .context import Orchestrator
from .emitter import emitter
from .executor import Executor
from .queries import RunQueries
from .runner import ControlLock, Runner, process_lock
from .signals import Signal

__all__ = ["INTERRUPTED_MESSAGE", "Limits", "RunExists", "RunService"]  # the message, as callers knew it here

MAX_EDIT_CHARS = 200_000
MAX_NAME_CHARS = 200


class RunExists(Exception):
    """A new run was asked for under the id of an existing one."""


@dataclass(frozen=True)
class Limits:
    max_brief_chars: int = 8000
    max_feedback_chars: int = 4000
    max_concurrent_runs: int = 3
    max_runs_per_user: int = 3  # working or queued at once
    starts_per_minute: int = 10  # per user


class RunService:
    """The commands that change runs. Each records an event first (through `bus`, on `log`); the runs' rows are
    `catalogue`'s; reads go through `queries`.

    Without `runner` the runs work in this process (an Executor running `pipeline`; None when a runner is given);
    `control` is the lock of commands that look at a run and then change it, and `starts` the per-user start limit
    (both per process by default). `before_delete`: what else a run leaves behind (its commands, its workspace)
    goes first. `queries`: the process's one RunQueries, whose views the commands share with the executor and the
    pages (a new one by default)."""

    def __init__(self, catalogue: RunCatalogue, log: EventLog, bus: Bus, pipeline: Orchestrator | None, *,
                 agents: Sequence[str] = (), limits: Limits = Limits(), default_approvals: Sequence[str] = (),
                 runner: Runner | None = None, control: ControlLock | None = None, starts: PerKeyLimit | None = None,
                 before_delete: Sequence[Callable[[str], Awaitable[None]]] = (),
                 queries: RunQueries | None = None) -> None:
        self.catalogue, self.bus = catalogue, bus
        self.queries = queries or RunQueries(catalogue, log, bus)
        self.agents = tuple(agents)  # the pipeline's agents, which approvals may name
        self.default_approvals = list(default_approvals)
        self.limits = limits
        self.runner = runner or Executor(bus, self.queries, pipeline, limits.max_concurrent_runs)
        self._control = control or process_lock()
        self._starts = starts or PerKeyLimit("starts", limits.starts_per_minute)
        self.before_delete = tuple(before_delete)

    @property
    def active_runs(self) -> int:
        return self.runner.active_runs

    @property
    def queued_runs(self) -> int:
        return self.runner.queued_runs

    async def start(self, brief: str, approvals: str | Sequence[str] | None = None, *, owner: str,
                    thread_id: str | None = None) -> str:
        """Validate (InputError carries the user's message), record the run's choices and start it for `owner`.

        `approvals` names the agents whose work waits for the user's decision; None takes the default.
        `thread_id` is the AG-UI thread the run answers; RunExists when the owner has a run of it already."""
        brief = clean_brief(brief, self.limits.max_brief_chars)
        chosen = self.default_approvals if approvals is None else parse_approvals(approvals, self.agents)
        async with self._control(owner):
            await self._check_capacity(owner)
            if wait := await self._starts.take(owner):
                raise Busy(f"You started {_runs(self.limits.starts_per_minute)} within a minute, the most allowed. "
                           f"Please wait {max(1, round(wait))} s.", wait)
            run_id = uuid.uuid4().hex
            if not await self.catalogue.create_run(run_id, brief, owner, thread_id):
                raise RunExists(thread_id)
            await self.runner.hold(run_id)
            view = self.queries.views.new(run_id)
            await emitter(self.bus, self.queries.views, view)(custom(RunConfigured(brief=brief, approvals=chosen)))
            await self.runner.launch(run_id, view, owner)
        return run_id

    async def _check_capacity(self, owner: str) -> None:
        working = await self.runner.working_for(owner)
        if working >= self.limits.max_runs_per_user:
            raise Busy(f"You have {_runs(working)} working, the most allowed at once. Wait until one finishes or "
                       "waits for you, or pause or cancel one.")

    async def resume(self, run_id: str) -> bool:
        """Continue a paused, interrupted, failed or cancelled run from its first unfinished agent."""
        if (owner := await self._owner_of(run_id)) is None:
            return False
        async with self._control(owner):
            view = await self.queries.view(run_id)
            if view is None or view.status not in RESUMABLE or await self.runner.working(run_id):
                return False
            await self._check_capacity(owner)
            await self.runner.launch(run_id, view, owner)
            return True

    async def pause(self, run_id: str) -> bool:
        """Ask a working run to pause at its next safe point (before the next agent starts)."""
        if (owner := await self._owner_of(run_id)) is None:
            return False
        async with self._control(owner):
            if not await self.runner.working(run_id):
                return False
            view = await self.queries.view(run_id)
            if view is None or view.pause_requested:
                return False
            await self.bus.emit(run_id, custom(PauseRequested()))
            await self.runner.signal(run_id, Signal.PAUSE)
            return True

    async def decide(self, run_id: str, decision: Decision, *, interrupt_id: str | None = None,
                     feedback: str | None = None, content: str | None = None) -> bool:
        """Decide the pending approval once: approve, request changes (with feedback) or edit (with the new text).
        Text from outside becomes a Decision where it arrives (core.domain.interrupts.approval_answer, the API's
        routes, the page's buttons).

        False when nothing is pending (or a different checkpoint than `interrupt_id` is); InputError for unusable
        feedback or text. The run goes on at once.
        """
        if (owner := await self._owner_of(run_id)) is None:
            return False
        async with self._control(owner):
            view = await self.queries.view(run_id)
            pending = view.pending if view is not None else None
            if (pending is None or interrupt_id not in (None, pending.interrupt_id)
                    or await self.runner.working(run_id)):
                return False
            decided = ApprovalDecided(
                interrupt_id=pending.interrupt_id, agent=pending.agent, decision=decision,
                feedback=clean_feedback(feedback, self.limits.max_feedback_chars)
                if decision == Decision.REQUEST_CHANGES else None,
                content=clean_edit(content, MAX_EDIT_CHARS) if decision == Decision.EDIT else None)
            await self._check_capacity(owner)
            await self.runner.hold(run_id)
            await emitter(self.bus, self.queries.views, view)(custom(decided))
            await self.runner.launch(run_id, view, owner)
            return True

    async def cancel(self, run_id: str) -> bool:
        """Stop a run now: a working run's LLM stream closes with its task; a paused or waiting run just ends."""
        if (owner := await self._owner_of(run_id)) is None:
            return False
        async with self._control(owner):
            if await self.runner.signal(run_id, Signal.CANCEL):
                return True
            view = await self.queries.view(run_id)
            if view is None or view.status not in AT_REST:
                return False
            await close_out(self.bus, self.queries, run_id, cancelled(run_id))
            return True

    async def delete(self, run_id: str) -> bool:
        """Stop the run if it works, then remove it and everything it produced."""
        if (owner := await self._owner_of(run_id)) is None:
            return False
        async with self._control(owner):
            await self.runner.stop(run_id)
            for cleanup in self.before_delete:
                await cleanup(run_id)
            deleted = await self.catalogue.delete_run(run_id)
            self.queries.views.forget(run_id)
            return deleted

    async def rename(self, run_id: str, title: str) -> bool:
        return await self.catalogue.rename_run(run_id, clean_name(title, MAX_NAME_CHARS))

    async def _owner_of(self, run_id: str) -> str | None:
        row = await self.catalogue.get_run(run_id)
        return row.owner if row is not None else None

    async def recover(self) -> None:
        """Close the runs an earlier server process left running: its stop cut them short."""
        await self.runner.recover()

    async def shutdown(self) -> None:
        """Stop every run of this process; each records that it was interrupted before the store closes."""
        await self.runner.shutdown()


def _runs(count: int) -> str:
    return "1 run" if count == 1 else f"{count} runs"
