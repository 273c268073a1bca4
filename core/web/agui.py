"""POST /agui: BotArmy as an AG-UI 1.0 agent.

A thread is a BotArmy run of the calling user (another user's thread of the same name is another run), and each
request is one segment of it: the first request starts the run with the brief (the last user message), and every
later request on the same thread answers what the previous one ended with (`resume`: an approval, or a pause) or,
with no interrupt open, continues a stopped run or follows a working one. A new user message on a thread at rest is
a change request: it begins the project's next revision. The answer is the run's own stored events from where the
request found it, framed as AG-UI SSE, with the run's state as STATE_SNAPSHOT then STATE_DELTA (JSON Patch). The run
never depends on the request: a client that goes away can come back on the same thread.
"""

import re
from collections.abc import AsyncIterator, Sequence
from contextlib import aclosing

import jsonpatch
from ag_ui.core import ResumeEntry, RunAgentInput
from ag_ui.encoder import EventEncoder
from fastapi import APIRouter, Depends, HTTPException
from fastapi.responses import StreamingResponse

from core.domain.custom import CustomKind
from core.domain.events import (
    Event,
    EventType,
    Interrupt,
    RunStartedEvent,
    StateDeltaEvent,
    StateSnapshotEvent,
    StoredEvent,
)
from core.domain.fold import apply, fold
from core.domain.inputs import InputError
from core.domain.interrupts import approval_answer, budget_answer
from core.domain.outcome import outcome
from core.domain.status import AT_REST, InterruptReason, RunStatus
from core.domain.view import RunView
from core.engine.commands import RunExists, RunOptions, RunService
from core.engine.revisions import RevisionConflict

from .access import AUTH_ERRORS, Caller
from .agui_tools import CommandToolCalls
from .problems import BAD_INPUT, problem, refused
from .sse import sse_response

THREAD_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:-]{0,99}")
_ENDINGS = (EventType.RUN_FINISHED, EventType.RUN_ERROR)
# Stored events a client has no use for: the segment's start is the request's own RUN_STARTED, and the snapshots
# that logs written before 2026-11 hold are replaced by the state below.
_INTERNAL = (EventType.RUN_STARTED, EventType.STATE_SNAPSHOT)


def agui_router(runs: RunService, caller: Caller) -> APIRouter:
    router = APIRouter(tags=["ag-ui"])

    @router.post("/agui", response_class=StreamingResponse, responses={
        200: {"description": "AG-UI events as server-sent events.", "content": {"text/event-stream": {}}},
        404: problem("`resume` names a thread that does not exist."),
        409: problem("The thread is not in a state that allows this request."),
        429: problem("A limit of the user's is reached (runs at once, starts per minute)."),
        **BAD_INPUT, **AUTH_ERRORS})
    async def run_agent(body: RunAgentInput, user: str = Depends(caller)):
        try:
            run_id, after = await begin(runs, body, user)
        except InputError as error:
            raise refused(error) from error
        return sse_response(stream(runs, body, run_id, after))

    return router


async def begin(runs: RunService, request: RunAgentInput, owner: str) -> tuple[str, int]:
    """Do what the request asks of the owner's thread; return the run and the sequence number its stream starts
    after."""
    thread = request.thread_id
    if not THREAD_ID.fullmatch(thread):
        raise InputError("threadId must be 1 to 100 letters, digits, '.', '_', ':' or '-'.")
    row = await runs.queries.of_thread(owner, thread)
    if row is None:
        if request.resume:
            raise HTTPException(404, f"Thread {thread} does not exist, so there is nothing to resume.")
        settings = _settings(request.forwarded_props)
        options = RunOptions(models=settings.get("models"), prompts=settings.get("prompts"),
                             soft_budget_usd=settings.get("softBudgetUsd"), run_tests=_flag(settings, "runTests"))
        try:
            run_id = await runs.start(_brief(request.messages), settings.get("approvals"), owner=owner,
                                      thread_id=thread, options=options)
        except RunExists:
            raise HTTPException(409, f"Thread {thread} was started by another request just now.") from None
        return run_id, 0
    run_id = row.run_id
    events = await runs.queries.events(run_id)
    view = fold(run_id, events)
    if request.resume:
        await _answer(runs, view, _open_interrupts(view, events), request.resume, thread)
    elif view.status in AT_REST:
        ids = ", ".join(interrupt.id for interrupt in _open_interrupts(view, events))
        raise HTTPException(409, f"Thread {thread} waits for an answer: send `resume` for {ids}.")
    elif view.finished and (change := _new_request(request.messages, view)) is not None:  # the next revision
        try:
            await runs.revise(run_id, change)
        except RevisionConflict as conflict:
            raise HTTPException(409, str(conflict)) from conflict
    elif view.status == RunStatus.COMPLETED:
        raise HTTPException(409, f"Thread {thread} is complete: send a new user message to ask for a change, or "
                                 "start a new thread for a new brief.")
    elif view.finished:  # failed, interrupted or cancelled: asking again continues it
        if not await runs.resume(run_id):
            raise HTTPException(409, f"Thread {thread} cannot be continued right now.")
    else:  # working: follow the segment in progress from its start
        return run_id, _segment_start(events)
    return run_id, view.last_seq


def _brief(messages: Sequence) -> str:
    for message in reversed(messages):
        if message.role == "user":
            content = message.content
            if isinstance(content, str):
                return content
            return "\n".join(part.text for part in content if getattr(part, "type", "") == "text")
    raise InputError("Send the project brief as a user message.")


def _new_request(messages: Sequence, view: RunView) -> str | None:
    """The last user message when it is new to the run (not its brief, nor a revision's request): a change
    request. None when the messages hold nothing new."""
    try:
        text = _brief(messages).strip()
    except InputError:
        return None
    asked = {view.brief.strip(), *(revision.request.strip() for revision in view.project.revisions)}
    return text if text and text not in asked else None


def _settings(forwarded: object) -> dict:
    if forwarded is None:
        return {}
    if not isinstance(forwarded, dict):
        raise InputError("forwardedProps must be an object, such as {\"approvals\": \"none\"}.")
    return forwarded


def _flag(settings: dict, name: str) -> bool | None:
    value = settings.get(name)
    if value is not None and not isinstance(value, bool):
        raise InputError(f"forwardedProps.{name} must be true or false.")
    return value


def _open_interrupts(view: RunView, events: Sequence[StoredEvent]) -> list[Interrupt]:
    """The interrupts the run's last segment ended with, while they are unanswered."""
    if view.status not in AT_REST:
        return []
    for item in reversed(events):
        if item.event.type == EventType.RUN_FINISHED:
            return list(getattr(item.event.outcome, "interrupts", ()))
    return []


def _segment_start(events: Sequence[StoredEvent]) -> int:
    """The sequence number the current segment starts after: the end of the previous one, or 0."""
    return next((item.seq for item in reversed(events) if item.event.type in _ENDINGS), 0)


async def _answer(runs: RunService, view: RunView, open_interrupts: list[Interrupt],
                  resume: list[ResumeEntry], thread: str) -> None:
    run_id = view.run_id
    if not open_interrupts:
        raise HTTPException(409, f"Thread {thread} has no open interrupt to resume "
                                 "(it may have been answered already).")
    by_id = {interrupt.id: interrupt for interrupt in open_interrupts}
    for entry in resume:
        if entry.interrupt_id not in by_id:
            raise HTTPException(409, f"Interrupt {entry.interrupt_id} is not open on thread {thread} "
                               f"(open: {', '.join(by_id)}).")
    entry = next(entry for entry in resume if entry.interrupt_id in by_id)
    reason = by_id[entry.interrupt_id].reason
    if entry.status == "cancelled":  # as the interrupts' response_schema says (core.domain.interrupts)
        done = await runs.cancel(run_id)
    elif reason == InterruptReason.PAUSE:
        done = await runs.resume(run_id)
    elif reason == InterruptReason.APPROVAL:
        decision, details = approval_answer(entry.payload)
        done = await runs.decide(run_id, decision, interrupt_id=entry.interrupt_id, **details)
    elif reason == InterruptReason.BUDGET:
        proceed, add_usd = budget_answer(entry.payload)
        done = await runs.decide_budget(run_id, proceed, add_usd=add_usd, interrupt_id=entry.interrupt_id)
    else:
        raise HTTPException(409, f"Interrupt {entry.interrupt_id} cannot be answered here.")
    if not done:
        raise HTTPException(409, f"Interrupt {entry.interrupt_id} was answered already.")


async def stream(runs: RunService, request: RunAgentInput, run_id: str, after: int) -> AsyncIterator[str]:
    """RUN_STARTED, the state, then the run's events after `after` up to and including the segment's end."""
    encode = EventEncoder().encode
    view = fold(run_id, [item for item in await runs.queries.events(run_id) if item.seq <= after])
    yield encode(RunStartedEvent(thread_id=request.thread_id, run_id=request.run_id))
    state = agui_state(view)
    yield encode(StateSnapshotEvent(snapshot=state))
    tool_calls = CommandToolCalls()
    async with aclosing(runs.queries.follow(run_id, after)) as items:  # a client that goes away unsubscribes at once
        async for item in items:
            apply(view, item)
            event = item.event
            ending = event.type in _ENDINGS
            if event.type not in _INTERNAL and not ending:
                for translated in tool_calls.translate(event, view):
                    yield encode(translated)
            if not _streams(event):
                changed = agui_state(view)
                if patch := jsonpatch.make_patch(state, changed).patch:
                    yield encode(StateDeltaEvent(delta=patch))
                state = changed
            if ending:
                yield encode(_as_request_run(event, request))
                return


def _streams(event: Event) -> bool:
    """Streamed text and command output change no state but what they stream."""
    return event.type == EventType.TEXT_MESSAGE_CONTENT or (
        event.type == EventType.CUSTOM and event.name == CustomKind.COMMAND_OUTPUT)


def _as_request_run(event: Event, request: RunAgentInput) -> Event:
    if event.type == EventType.RUN_FINISHED:
        return event.model_copy(update={"thread_id": request.thread_id, "run_id": request.run_id})
    return event


def agui_state(view: RunView) -> dict:
    """The run as an AG-UI client's shared state."""
    pending, budget = view.pending, view.pending_budget
    return {
        "status": view.status,
        "outcome": outcome(view),
        "brief": view.brief,
        "agents": {name: {"status": agent.status, "task": agent.task, "error": agent.error, "model": agent.model,
                          "missing": agent.missing}
                   for name, agent in view.agents.items()},
        "artifacts": {name: {"title": artifact.title, "filename": artifact.filename, "content": artifact.content,
                             "edited": artifact.edited} for name, artifact in view.artifacts.items()},
        "pending": pending and {"interruptId": pending.interrupt_id, "agent": pending.agent},
        "pendingBudget": budget and {"interruptId": budget.interrupt_id, "agent": budget.agent,
                                     "message": budget.message, "addUsd": budget.add_usd},
        "tokens": view.tokens,
        "cachedTokens": view.usage.total.cached_tokens,
        "costUsd": round(view.cost_usd, 6),
        "softBudgetUsd": view.soft_budget_usd,
        "queuePosition": view.queue_position,
        "error": view.error,
        "verify": view.verify and {"status": view.verify.status, "summary": view.verify.summary,
                                   "passed": view.verify.passed, "failed": view.verify.failed,
                                   "errors": view.verify.errors, "fixes": view.verify.fixes},
        "commands": {command_id: {"command": command.command, "status": command.status,
                                  "exitCode": command.exit_code}
                     for command_id, command in view.commands.items()},
        "revision": view.project.revision,
    }
