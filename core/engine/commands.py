"""Runs as background tasks that belong to no page or socket: start, pause, decide, cancel, resume, delete, recover.

Every control is a command that records an event first; the pipeline reads the run's state from the folded log,
so a decision, a pause or an interruption survives a reload and a server restart.
"""

import asyncio
import logging
import uuid
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass

from core.domain.custom import (
    ApprovalDecided,
    PauseRequested,
    RunConfigured,
    RunQueued,
    VerifyFinished,
    custom,
    discard_answer,
)
from core.domain.events import (
    Event,
    RunErrorEvent,
    RunFinishedCancelledOutcome,
    RunFinishedEvent,
    SubagentErrorEvent,
    now_ms,
)
from core.domain.fold import apply, fold
from core.domain.inputs import (
    Busy,
    InputError,
    clean_brief,
    clean_edit,
    clean_feedback,
    clean_name,
    parse_approvals,
)
from core.domain.status import AT_REST, RESUMABLE, AgentStatus, Decision, ErrorCode, RunStatus, VerifyStatus
from core.domain.verdict import TESTS_STOPPED
from core.domain.view import RunView
from core.eventlog.bus import Bus
from core.eventlog.sqlite_store import Store
from core.limits.buckets import PerKeyLimiter
from core.obs.logs import bind_log_context

from .context import Orchestrator, RunContext
from .queries import RunQueries
from .run_queue import RunQueue

log = logging.getLogger("botarmy.runs")

INTERRUPTED_MESSAGE = "The server stopped while this run was in progress."
CANCELLED_MESSAGE = "Cancelled by you."
CRASHED_MESSAGE = "Something went wrong inside BotArmy; the details are in the server log."
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
    """The commands that change runs. Each records an event first; reads go through `queries`."""

    def __init__(self, store: Store, bus: Bus, pipeline: Orchestrator, *, agents: Sequence[str] = (),
                 limits: Limits = Limits(), default_approvals: Sequence[str] = (),
                 before_delete: Sequence[Callable[[str], Awaitable[None]]] = ()) -> None:
        """`before_delete`: what else a run leaves behind (its commands, its workspace) goes first."""
        self.store, self.bus, self.pipeline = store, bus, pipeline
        self.queries = RunQueries(store, bus)
        self.agents = tuple(agents)  # the pipeline's agents, which approvals may name
        self.default_approvals = list(default_approvals)
        self.limits = limits
        self.before_delete = tuple(before_delete)
        self.queue = RunQueue(limits.max_concurrent_runs)
        self._starts = PerKeyLimiter(limits.starts_per_minute)
        self._tasks: dict[str, asyncio.Task] = {}
        self._owners: dict[str, str] = {}  # owner of each run that has a task
        self._cancelled: set[str] = set()
        self._pausing: set[str] = set()
        # Commands that look at a run's state and then change it take turns, so two tabs cannot both decide.
        self._control = asyncio.Lock()
        self._born_ms = now_ms()

    @property
    def active_runs(self) -> int:
        return len(self._tasks)

    @property
    def queued_runs(self) -> int:
        return len(self.queue.waiting)

    def is_working(self, run_id: str) -> bool:
        """The run has a task in this process (working, or waiting for a slot)."""
        return run_id in self._tasks

    async def start(self, brief: str, approvals: str | Sequence[str] | None = None, *, owner: str,
                    thread_id: str | None = None) -> str:
        """Validate (InputError carries the user's message), record the run's choices and start it for `owner`.

        `approvals` names the agents whose work waits for the user's decision; None takes the default.
        `thread_id` is the AG-UI thread the run answers; RunExists when the owner has a run of it already."""
        brief = clean_brief(brief, self.limits.max_brief_chars)
        chosen = self.default_approvals if approvals is None else parse_approvals(approvals, self.agents)
        async with self._control:
            self._check_capacity(owner)
            if wait := self._starts.take(owner):
                raise Busy(f"You started {_runs(self.limits.starts_per_minute)} within a minute, the most allowed. "
                           f"Please wait {max(1, round(wait))} s.", wait)
            run_id = uuid.uuid4().hex
            if not await self.store.create_run(run_id, brief, owner, thread_id):
                raise RunExists(thread_id)
            configured = await self.bus.emit(run_id, custom(RunConfigured(brief=brief, approvals=chosen)))
            self._launch(run_id, fold(run_id, configured), owner)
        return run_id

    def _check_capacity(self, owner: str) -> None:
        working = sum(1 for runs_owner in self._owners.values() if runs_owner == owner)
        if working >= self.limits.max_runs_per_user:
            raise Busy(f"You have {_runs(working)} working, the most allowed at once. Wait until one finishes or "
                       "waits for you, or pause or cancel one.")

    async def resume(self, run_id: str) -> bool:
        """Continue a paused, interrupted, failed or cancelled run from its first unfinished agent."""
        async with self._control:
            view = await self.queries.view(run_id)
            if view is None or view.status not in RESUMABLE or run_id in self._tasks:
                return False
            owner = await self._owner_of(run_id)
            self._check_capacity(owner)
            self._launch(run_id, view, owner)
            return True

    async def pause(self, run_id: str) -> bool:
        """Ask a working run to pause at its next safe point (before the next agent starts)."""
        async with self._control:
            if run_id not in self._tasks or run_id in self._pausing:
                return False
            self._pausing.add(run_id)
            await self.bus.emit(run_id, custom(PauseRequested()))
            return True

    async def decide(self, run_id: str, decision: Decision | str, *, interrupt_id: str | None = None,
                     feedback: str | None = None, content: str | None = None) -> bool:
        """Decide the pending approval once: approve, request changes (with feedback) or edit (with the new text).

        False when nothing is pending (or a different checkpoint than `interrupt_id` is); InputError for unusable
        feedback or text. The run goes on at once.
        """
        async with self._control:
            view = await self.queries.view(run_id)
            pending = view.pending if view is not None else None
            if pending is None or run_id in self._tasks or interrupt_id not in (None, pending.interrupt_id):
                return False
            if decision not in Decision:
                raise InputError(f"Unknown decision {decision!r}: approve, request_changes or edit.")
            decided = ApprovalDecided(
                interrupt_id=pending.interrupt_id, agent=pending.agent, decision=decision,
                feedback=clean_feedback(feedback, self.limits.max_feedback_chars)
                if decision == Decision.REQUEST_CHANGES else None,
                content=clean_edit(content, MAX_EDIT_CHARS) if decision == Decision.EDIT else None)
            owner = await self._owner_of(run_id)
            self._check_capacity(owner)
            for item in await self.bus.emit(run_id, custom(decided)):
                apply(view, item)
            self._launch(run_id, view, owner)
            return True

    async def cancel(self, run_id: str) -> bool:
        """Stop a run now: a working run's LLM stream closes with its task; a paused or waiting run just ends."""
        async with self._control:
            if self._stop(run_id) is not None:
                return True
            view = await self.queries.view(run_id)
            if view is None or view.status not in AT_REST:
                return False
            await self._close_out(run_id, _cancelled(run_id))
            return True

    async def delete(self, run_id: str) -> bool:
        """Stop the run if it works, then remove it and everything it produced."""
        async with self._control:
            if (task := self._stop(run_id)) is not None:
                await asyncio.gather(task, return_exceptions=True)
            for cleanup in self.before_delete:
                await cleanup(run_id)
            return await self.store.delete_run(run_id)

    def _stop(self, run_id: str) -> asyncio.Task | None:
        """Cancel the run's task, if it has one, so that it records the run as cancelled."""
        task = self._tasks.get(run_id)
        if task is not None:
            self._cancelled.add(run_id)
            task.cancel()
        return task

    async def rename(self, run_id: str, title: str) -> bool:
        return await self.store.rename_run(run_id, clean_name(title, MAX_NAME_CHARS))

    async def _owner_of(self, run_id: str) -> str:
        return (await self.store.get_run(run_id)).owner

    def _launch(self, run_id: str, view: RunView, owner: str) -> None:
        task = asyncio.create_task(self._execute(run_id, view), name=f"run-{run_id}")
        self._tasks[run_id], self._owners[run_id] = task, owner

        def ended(_: asyncio.Task) -> None:
            self._tasks.pop(run_id, None)
            self._owners.pop(run_id, None)

        task.add_done_callback(ended)

    async def _execute(self, run_id: str, view: RunView) -> None:
        bind_log_context(run_id=run_id)  # this task's own context: every line it logs names the run

        async def emit(*events: Event):
            stored = await self.bus.emit(run_id, *events)
            for item in stored:
                apply(view, item)
            return stored

        async def queued(position: int) -> None:
            await emit(custom(RunQueued(position=position)))

        context = RunContext(run_id, view.brief, view, emit, lambda: run_id in self._pausing)
        try:
            async with self.queue.turn(run_id, queued):
                log.info("run starts working")
                await self.pipeline(context)
        except asyncio.CancelledError:
            if run_id in self._cancelled:
                await self._close_out(run_id, _cancelled(run_id))
            else:
                await self._close_out(run_id, _interrupted())
            raise
        except Exception:
            log.exception("run %s crashed", run_id)
            await self._close_out(run_id, RunErrorEvent(message=CRASHED_MESSAGE, code=ErrorCode.INTERNAL))
        finally:
            log.info("run stops working")
            self._cancelled.discard(run_id)
            self._pausing.discard(run_id)

    async def recover(self) -> None:
        """Close the runs an earlier server process left running: its stop cut them short."""
        for row in await self.store.runs_with_status(RunStatus.RUNNING):
            if row.created_ms < self._born_ms:
                await self._close_out(row.run_id, _interrupted())

    async def _close_out(self, run_id: str, ending: Event) -> None:
        """End a run cut short: half-written answers are voided first, so no view keeps a fragment."""
        view = await self.queries.view(run_id)
        closing: list[Event] = []
        for message in view.messages:
            if not message.complete:
                closing += discard_answer(message.agent, message.message_id, message.subagent_run_id,
                                          ErrorCode.INTERRUPTED)
        if view.verify is not None and view.verify.status == VerifyStatus.RUNNING:  # run again on resume
            closing.append(custom(VerifyFinished(status=VerifyStatus.SKIPPED, summary=TESTS_STOPPED,
                                                 conclusive=False)))
        # AG-UI has no run end while a subagent is open: the agents at work end first, for the same reason.
        reason, code = ((ending.message, ending.code) if isinstance(ending, RunErrorEvent)
                        else (CANCELLED_MESSAGE, ErrorCode.CANCELLED))
        closing += [SubagentErrorEvent(subagent_run_id=agent.subagent_run_id, message=reason, code=code)
                    for agent in view.agents.values()
                    if agent.status == AgentStatus.WORKING and agent.subagent_run_id]
        await self.bus.emit(run_id, *closing, ending)

    async def shutdown(self) -> None:
        """Stop every run; each records that it was interrupted before the store closes."""
        tasks = list(self._tasks.values())
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)


def _runs(count: int) -> str:
    return "1 run" if count == 1 else f"{count} runs"


def _interrupted() -> RunErrorEvent:
    return RunErrorEvent(message=INTERRUPTED_MESSAGE, code=ErrorCode.INTERRUPTED)


def _cancelled(run_id: str) -> RunFinishedEvent:
    return RunFinishedEvent(thread_id=run_id, run_id=run_id, outcome=RunFinishedCancelledOutcome())
