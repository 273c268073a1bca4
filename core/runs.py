"""Runs as background tasks that belong to no page or socket: start, pause, decide, cancel, resume, delete, recover.

Every control is a command that records an event first; the pipeline reads the run's state from the folded log,
so a decision, a pause or an interruption survives a reload and a server restart.
"""

import asyncio
import logging
import uuid
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass

from .bus import Bus
from .errors import UNKNOWN
from .events import (
    APPROVAL_DECIDED,
    APPROVE,
    CANCELLED,
    EDIT,
    INTERRUPTED,
    MESSAGE_DISCARDED,
    PAUSE_REQUESTED,
    REQUEST_CHANGES,
    RUN_CONFIGURED,
    RUN_QUEUED,
    Event,
    RunErrorEvent,
    RunFinishedCancelledOutcome,
    RunFinishedEvent,
    SubagentErrorEvent,
    TextMessageEndEvent,
    custom,
    now_ms,
)
from .fold import AT_REST, RunView, apply, fold
from .inputs import (
    Busy,
    InputError,
    clean_brief,
    clean_edit,
    clean_feedback,
    clean_name,
    parse_approvals,
)
from .logs import bind_log_context
from .rate_limit import PerKeyLimiter
from .run_queue import RunQueue
from .store import RunRow, Store

log = logging.getLogger("botarmy.runs")

Emit = Callable[..., Awaitable[list]]

INTERRUPTED_MESSAGE = "The server stopped while this run was in progress."
CANCELLED_MESSAGE = "Cancelled by you."
RESUMABLE = frozenset({"interrupted", "failed", "cancelled", "paused"})
MAX_EDIT_CHARS = 200_000
MAX_NAME_CHARS = 200


class RunExists(Exception):
    """A new run was asked for under the id of an existing one."""


@dataclass(frozen=True)
class RunContext:
    """What a pipeline gets: the run so far (`prior`), where its events go, and whether the user asked to pause."""

    run_id: str
    brief: str
    prior: RunView
    emit: Emit
    pause_requested: Callable[[], bool]


Pipeline = Callable[[RunContext], Awaitable[None]]


@dataclass(frozen=True)
class Limits:
    max_brief_chars: int = 8000
    max_feedback_chars: int = 4000
    max_concurrent_runs: int = 3
    max_runs_per_user: int = 3  # working or queued at once
    starts_per_minute: int = 10  # per user


class RunService:
    def __init__(self, store: Store, bus: Bus, pipeline: Pipeline, *, agents: Sequence[str] = (),
                 limits: Limits = Limits(), default_approvals: Sequence[str] = ()) -> None:
        self.store, self.bus, self.pipeline = store, bus, pipeline
        self.agents = tuple(agents)  # the pipeline's agents, which approvals may name
        self.default_approvals = list(default_approvals)
        self.limits = limits
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
            configured = await self.bus.emit(run_id, custom(RUN_CONFIGURED, {"brief": brief, "approvals": chosen}))
            self._launch(run_id, fold(run_id, configured), owner)
        return run_id

    async def owned(self, run_id: str, owner: str) -> RunRow | None:
        """The run, if it exists and is the owner's: anyone else's run is as absent as one that never existed."""
        row = await self.store.get_run(run_id)
        return row if row is not None and row.owner == owner else None

    def _check_capacity(self, owner: str) -> None:
        working = sum(1 for runs_owner in self._owners.values() if runs_owner == owner)
        if working >= self.limits.max_runs_per_user:
            raise Busy(f"You have {_runs(working)} working, the most allowed at once. Wait until one finishes or "
                       "waits for you, or pause or cancel one.")

    async def resume(self, run_id: str) -> bool:
        """Continue a paused, interrupted, failed or cancelled run from its first unfinished agent."""
        async with self._control:
            view = await self.view(run_id)
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
            await self.bus.emit(run_id, custom(PAUSE_REQUESTED, {}))
            return True

    async def decide(self, run_id: str, decision: str, *, interrupt_id: str | None = None,
                     feedback: str | None = None, content: str | None = None) -> bool:
        """Decide the pending approval once: approve, request changes (with feedback) or edit (with the new text).

        False when nothing is pending (or a different checkpoint than `interrupt_id` is); InputError for unusable
        feedback or text. The run goes on at once.
        """
        async with self._control:
            view = await self.view(run_id)
            pending = view.pending if view is not None else None
            if pending is None or run_id in self._tasks or interrupt_id not in (None, pending.interrupt_id):
                return False
            value = {"interrupt_id": pending.interrupt_id, "agent": pending.agent, "decision": decision}
            if decision == REQUEST_CHANGES:
                value["feedback"] = clean_feedback(feedback, self.limits.max_feedback_chars)
            elif decision == EDIT:
                value["content"] = clean_edit(content, MAX_EDIT_CHARS)
            elif decision != APPROVE:
                raise InputError(f"Unknown decision {decision!r}: approve, request_changes or edit.")
            owner = await self._owner_of(run_id)
            self._check_capacity(owner)
            for item in await self.bus.emit(run_id, custom(APPROVAL_DECIDED, value)):
                apply(view, item)
            self._launch(run_id, view, owner)
            return True

    async def cancel(self, run_id: str) -> bool:
        """Stop a run now: a working run's LLM stream closes with its task; a paused or waiting run just ends."""
        async with self._control:
            if self._stop(run_id) is not None:
                return True
            view = await self.view(run_id)
            if view is None or view.status not in AT_REST:
                return False
            await self._close_out(run_id, _cancelled(run_id))
            return True

    async def delete(self, run_id: str) -> bool:
        """Stop the run if it works, then remove it and everything it produced."""
        async with self._control:
            if (task := self._stop(run_id)) is not None:
                await asyncio.gather(task, return_exceptions=True)
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

    def _launch(self, run_id: str, prior: RunView, owner: str) -> None:
        task = asyncio.create_task(self._execute(run_id, prior), name=f"run-{run_id}")
        self._tasks[run_id], self._owners[run_id] = task, owner

        def ended(_: asyncio.Task) -> None:
            self._tasks.pop(run_id, None)
            self._owners.pop(run_id, None)

        task.add_done_callback(ended)

    async def _execute(self, run_id: str, prior: RunView) -> None:
        bind_log_context(run_id=run_id)  # this task's own context: every line it logs names the run

        async def emit(*events: Event):
            return await self.bus.emit(run_id, *events)

        async def queued(position: int) -> None:
            await emit(custom(RUN_QUEUED, {"position": position}))

        context = RunContext(run_id, prior.brief, prior, emit, lambda: run_id in self._pausing)
        try:
            async with self.queue.turn(run_id, queued):
                log.info("run starts working")
                await self.pipeline(context)
        except asyncio.CancelledError:
            if run_id in self._cancelled:
                await self._close_out(run_id, _cancelled(run_id))
            else:
                await self._close_out(run_id, RunErrorEvent(message=INTERRUPTED_MESSAGE, code=INTERRUPTED))
            raise
        except Exception:
            log.exception("run %s crashed", run_id)
            await emit(RunErrorEvent(message=UNKNOWN, code="internal"))
        finally:
            log.info("run stops working")
            self._cancelled.discard(run_id)
            self._pausing.discard(run_id)

    async def view(self, run_id: str) -> RunView | None:
        if await self.store.get_run(run_id) is None:
            return None
        return fold(run_id, await self.store.read(run_id))

    async def recover(self) -> None:
        """Close the runs an earlier server process left running: its stop cut them short."""
        for row in await self.store.runs_with_status("running"):
            if row.created_ms < self._born_ms:
                await self._close_out(row.run_id, RunErrorEvent(message=INTERRUPTED_MESSAGE, code=INTERRUPTED))

    async def _close_out(self, run_id: str, ending: Event) -> None:
        """End a run cut short: half-written answers are voided first, so no view keeps a fragment."""
        view = await self.view(run_id)
        closing: list[Event] = []
        for message in view.messages:
            if not message.complete:
                closing += [TextMessageEndEvent(message_id=message.message_id, subagent_run_id=message.subagent_run_id),
                            custom(MESSAGE_DISCARDED, {"agent": message.agent, "message_id": message.message_id,
                                                       "reason": INTERRUPTED})]
        # AG-UI has no run end while a subagent is open: the agents at work end first, for the same reason.
        reason, code = (ending.message, ending.code) if isinstance(ending, RunErrorEvent) else (CANCELLED_MESSAGE,
                                                                                               CANCELLED)
        closing += [SubagentErrorEvent(subagent_run_id=agent.subagent_run_id, message=reason, code=code)
                    for agent in view.agents.values() if agent.status == "working" and agent.subagent_run_id]
        await self.bus.emit(run_id, *closing, ending)

    async def shutdown(self) -> None:
        """Stop every run; each records that it was interrupted before the store closes."""
        tasks = list(self._tasks.values())
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)


def _runs(count: int) -> str:
    return "1 run" if count == 1 else f"{count} runs"


def _cancelled(run_id: str) -> RunFinishedEvent:
    return RunFinishedEvent(thread_id=run_id, run_id=run_id, outcome=RunFinishedCancelledOutcome())
