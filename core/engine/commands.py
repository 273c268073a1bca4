"""The commands that change runs: start, pause, decide, cancel, resume, rename, delete, recover.

Every control is a command that records an event first; the pipeline reads the run's state from the folded log,
so a decision, a pause or an interruption survives a reload and a server restart. Where a run is worked is the
Runner's business (core.engine.runner): in this process by default, by workers when scaled.
"""

import asyncio
import logging
import uuid
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field

from core.codebase.importing import ImportedProject
from core.domain.custom import ApprovalDecided, BudgetDecided, PauseRequested, RunConfigured, custom
from core.domain.inputs import (
    Busy,
    InputError,
    clean_brief,
    clean_edit,
    clean_feedback,
    clean_name,
    clean_prompts,
    clean_soft_budget,
    parse_approvals,
    parse_models,
)
from core.domain.interrupts import clean_budget_add
from core.domain.outcome import RunOutcome
from core.domain.revision_events import EditRefused
from core.domain.status import AT_REST, RESUMABLE, TERMINAL_RUN_STATUSES, Decision
from core.domain.view import RunView
from core.eventlog.bus import Bus
from core.limits.shared import PerKeyLimit
from core.storage.event_log import EventLog
from core.storage.run_catalogue import RunCatalogue

from .closing import INTERRUPTED_MESSAGE, cancelled, close_out
from .context import Orchestrator
from .emitter import emitter
from .executor import Executor
from .queries import RunQueries
from .revisions import (
    FINISH_FIRST,
    RevisionConflict,
    change_requested,
    clean_request,
    import_started,
    pushed,
    restore_requested,
    validated_branch,
)
from .runner import ControlLock, Runner, process_lock
from .signals import Signal

__all__ = ["INTERRUPTED_MESSAGE", "Limits", "RunDefaults", "RunExists", "RunOptions", "RunService"]

log = logging.getLogger("botarmy.runs")

MAX_EDIT_CHARS = 200_000
MAX_NAME_CHARS = 200

# Why the user's edit of an agent's answer (the view, the agent, the edited text) cannot be applied to the project's
# files, as a sentence, or None: the agents know how an answer becomes files (agents.revision.edit_refusal).
EditRefusal = Callable[[RunView, str, str], str | None]


class RunExists(Exception):
    """A new run was asked for under the id of an existing one."""


@dataclass(frozen=True)
class Limits:
    max_brief_chars: int = 8000
    max_feedback_chars: int = 4000
    max_concurrent_runs: int = 3
    max_runs_per_user: int = 3  # working or queued at once
    starts_per_minute: int = 10  # per user


@dataclass(frozen=True)
class RunDefaults:
    """What a run is configured with unless its user chooses otherwise."""

    models: Mapping[str, str] = field(default_factory=dict)  # agent -> model, every agent named
    prompts: Mapping[str, str] = field(default_factory=dict)  # agent -> its default system prompt
    soft_budget_usd: float | None = None
    run_tests: bool = True


@dataclass(frozen=True)
class RunOptions:
    """A run's choices beyond its brief and approvals, as the user gave them (checked when it starts); None takes
    the default. `soft_budget_usd` "" means no soft budget."""

    models: str | Mapping[str, object] | None = None  # `developer=gpt-4o,…`, or agent -> model
    prompts: Mapping[str, object] | None = None  # agent -> system prompt; one equal to the default is no change
    soft_budget_usd: object = None
    run_tests: bool | None = None


class RunService:
    """The commands that change runs. Each records an event first (through `bus`, on `log`); the runs' rows are
    `catalogue`'s; reads go through `queries`.

    Without `runner` the runs work in this process (an Executor running `pipeline`; None when a runner is given);
    `control` is the lock of commands that look at a run and then change it, and `starts` the per-user start limit
    (both per process by default). `before_delete`: what else a run leaves behind (its commands, its workspace)
    goes first. `queries`: the process's one RunQueries, whose views the commands share with the executor and the
    pages (a new one by default). `push_to_paths`: a project's history may be pushed to a repository on this
    server's disk."""

    def __init__(self, catalogue: RunCatalogue, log: EventLog, bus: Bus, pipeline: Orchestrator | None, *,
                 agents: Sequence[str] = (), limits: Limits = Limits(), default_approvals: Sequence[str] = (),
                 defaults: RunDefaults = RunDefaults(),
                 runner: Runner | None = None, control: ControlLock | None = None, starts: PerKeyLimit | None = None,
                 before_delete: Sequence[Callable[[str], Awaitable[None]]] = (),
                 queries: RunQueries | None = None, push_to_paths: bool = False,
                 edit_refusal: EditRefusal | None = None) -> None:
        self.catalogue, self.bus = catalogue, bus
        self.queries = queries or RunQueries(catalogue, log, bus)
        self.agents = tuple(agents)  # the pipeline's agents, which approvals may name
        self.default_approvals = list(default_approvals)
        self.defaults = defaults
        self.limits = limits
        self.runner = runner or Executor(bus, self.queries, pipeline, limits.max_concurrent_runs)
        self._control = control or process_lock()
        self._starts = starts or PerKeyLimit("starts", limits.starts_per_minute)
        self.before_delete = tuple(before_delete)
        self.push_to_paths = push_to_paths
        self.edit_refusal = edit_refusal
        self._pushes: set[asyncio.Task] = set()

    @property
    def active_runs(self) -> int:
        return self.runner.active_runs

    @property
    def queued_runs(self) -> int:
        return self.runner.queued_runs

    async def start(self, brief: str, approvals: str | Sequence[str] | None = None, *, owner: str,
                    thread_id: str | None = None, options: RunOptions = RunOptions(),
                    project: ImportedProject | None = None) -> str:
        """Validate (InputError carries the user's message), record the run's choices and start it for `owner`.

        `approvals` names the agents whose work waits for the user's decision; None takes the default. `options`:
        models, prompts, the soft budget and whether the tests run. `thread_id` is the AG-UI thread the run answers;
        RunExists when the owner has a run of it already. `project`: existing code the run starts from (the brief is
        a change request of it)."""
        brief = clean_brief(brief, self.limits.max_brief_chars)
        chosen = self.default_approvals if approvals is None else parse_approvals(approvals, self.agents)
        configured = self._configured(brief, chosen, options)
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
            imported = import_started(run_id, brief, project) if project is not None else []
            await emitter(self.bus, self.queries.views, view)(custom(configured), *imported)
            await self.runner.launch(run_id, view, owner)
        return run_id

    def _configured(self, brief: str, approvals: list[str], options: RunOptions) -> RunConfigured:
        """The run's choices, checked and resolved: a model for every agent, only the prompts that differ from the
        defaults."""
        defaults = self.defaults
        models = {**defaults.models, **parse_models(options.models, self.agents)}
        titles = {name: name.capitalize() for name in self.agents}
        prompts = {agent: text for agent, text in clean_prompts(options.prompts, self.agents, titles).items()
                   if text != defaults.prompts.get(agent)}
        soft = (defaults.soft_budget_usd if options.soft_budget_usd is None
                else clean_soft_budget(options.soft_budget_usd))
        run_tests = defaults.run_tests if options.run_tests is None else bool(options.run_tests)
        return RunConfigured(brief=brief, approvals=approvals, models=models, prompts=prompts, soft_budget_usd=soft,
                             run_tests=run_tests)

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
        feedback or text, and for an edit whose changes to the files cannot be applied (`edit_refusal`: recorded as
        EDIT_REFUSED, nothing of it applied, the approval still pending). The run goes on at once.
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
            # Off the event loop: an edit may be long, and matching its SEARCH text near misses takes time.
            if decided.content is not None and self.edit_refusal is not None and (sentence := await asyncio.to_thread(
                    self.edit_refusal, view, pending.agent, decided.content)) is not None:
                # Recorded, so the transcript and the events say it; the approval still waits for a decision.
                await self.bus.emit(run_id, custom(EditRefused(agent=pending.agent, interrupt_id=pending.interrupt_id,
                                                               sentence=sentence)))
                raise InputError(sentence)
            await self._begin(run_id, view, owner, [custom(decided)])
            return True

    async def decide_budget(self, run_id: str, proceed: bool, *, add_usd: object = None,
                            interrupt_id: str | None = None) -> bool:
        """Answer the run's question at its soft budget once: go on with the soft budget raised by `add_usd` (None:
        by what the question offered), or stop the run there, keeping everything finished so far.

        False when no such question is pending; InputError for an amount that is not one."""
        if (owner := await self._owner_of(run_id)) is None:
            return False
        add = clean_budget_add(add_usd)
        async with self._control(owner):
            view = await self.queries.view(run_id)
            pending = view.pending_budget if view is not None else None
            if (pending is None or interrupt_id not in (None, pending.interrupt_id)
                    or await self.runner.working(run_id)):
                return False
            raised = (view.soft_budget_usd or 0.0) + (add if add is not None else pending.add_usd)
            decided = BudgetDecided(interrupt_id=pending.interrupt_id, proceed=proceed,
                                    soft_budget_usd=raised if proceed else None)
            if not proceed:
                await self.bus.emit(run_id, custom(decided))
                await close_out(self.bus, self.queries, run_id, cancelled(run_id, {
                    "outcome": RunOutcome.BUDGET_STOPPED, "artifacts": list(view.artifacts)}))
                return True
            await self._begin(run_id, view, owner, [custom(decided)])
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

    async def revise(self, run_id: str, request: str) -> int | None:
        """Begin the next revision of a run at rest with the user's change request; its number. None for no such
        run; InputError for an unusable request, RevisionConflict when the run is not at rest."""
        request = clean_request(request, self.limits.max_feedback_chars)
        if (owner := await self._owner_of(run_id)) is None:
            return None
        async with self._control(owner):
            if (view := await self._at_rest(run_id)) is None:
                return None
            return await self._begin(run_id, view, owner, change_requested(view, request))

    async def restore(self, run_id: str, revision: int) -> int | None:
        """Begin a revision whose files are revision `revision`'s, byte for byte; its number. None for no such
        run; NoSuchRevision, or RevisionConflict when the run is not at rest."""
        if (owner := await self._owner_of(run_id)) is None:
            return None
        async with self._control(owner):
            if (view := await self._at_rest(run_id)) is None:
                return None
            return await self._begin(run_id, view, owner, restore_requested(view, revision))

    async def _at_rest(self, run_id: str) -> RunView | None:
        view = await self.queries.view(run_id)
        if view is not None and (view.status not in TERMINAL_RUN_STATUSES or await self.runner.working(run_id)):
            raise RevisionConflict(FINISH_FIRST)
        return view

    async def _begin(self, run_id: str, view: RunView, owner: str, events: list) -> int:
        """Record `events` (a decision, a new revision) and set the run going again; the project's revision."""
        await self._check_capacity(owner)
        await self.runner.hold(run_id)
        await emitter(self.bus, self.queries.views, view)(*events)
        await self.runner.launch(run_id, view, owner)
        return view.project.revision

    async def push(self, run_id: str, url: str, branch: str | None, token: str | None) -> bool:
        """Push the project's history to `url` in the background; its result is a PUSH_FINISHED event. The token
        is used for this push only. False for no such run."""
        branch = validated_branch(branch)
        view = await self.queries.view(run_id)
        if view is None:
            return False

        async def pushing() -> None:
            try:
                finished = await pushed(view, url, branch, token, self.push_to_paths)
                if await self.catalogue.get_run(run_id) is not None:  # not deleted meanwhile
                    await self.bus.emit(run_id, custom(finished))
            except Exception:  # noqa: BLE001 - logged (never with the token); the run goes on
                log.exception("the push of run %s failed", run_id)

        task = asyncio.create_task(pushing(), name=f"push-{run_id}")
        self._pushes.add(task)
        task.add_done_callback(self._pushes.discard)
        return True

    async def rename(self, run_id: str, title: str) -> bool:
        return await self.catalogue.rename_run(run_id, clean_name(title, MAX_NAME_CHARS))

    async def _owner_of(self, run_id: str) -> str | None:
        row = await self.catalogue.get_run(run_id)
        return row.owner if row is not None else None

    async def recover(self) -> None:
        """Close the runs an earlier server process left running: its stop cut them short."""
        await self.runner.recover()

    async def shutdown(self) -> None:
        """Stop every run (and push) of this process; each run records that it was interrupted before the store
        closes."""
        for task in list(self._pushes):
            task.cancel()
        await asyncio.gather(*self._pushes, return_exceptions=True)
        await self.runner.shutdown()


def _runs(count: int) -> str:
    return "1 run" if count == 1 else f"{count} runs"
