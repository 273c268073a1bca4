"""One coalescing flusher per run: many tokens, few renders, nothing lost; one fold per process."""

import asyncio
import time

import pytest

from nicegui.testing import User

from core.eventlog.bus import Bus
from core.domain.events import (Interrupt, RunFinishedEvent, RunFinishedInterruptOutcome, RunStartedEvent,
                                SubagentFinishedEvent, SubagentStartedEvent, TextMessageContentEvent,
                                TextMessageEndEvent, TextMessageStartEvent)
from core.domain.interrupts import APPROVAL_AGENT, APPROVAL_ANSWER
from core.domain.status import AgentStatus, Decision, InterruptReason, RunStatus
from core.domain.view import RunView
from core.engine.commands import RunService
from tests.support.services import OWNER
from ui.live import FLUSH_INTERVAL, RECOUNT_S, TAB_UPDATES_PER_S, Later, LiveRuns


async def idle_pipeline(run):
    await run.emit(RunStartedEvent(thread_id=run.run_id, run_id=run.run_id, metadata={"brief": run.brief, "agents": []}))


async def test_renders_are_coalesced_and_every_tab_of_a_run_shares_one_view(user: User, store):
    bus = Bus(store.log)
    runs = RunService(store.catalogue, store.log, bus, idle_pipeline)
    run_id = await runs.start("A brief", owner=OWNER)
    live_runs = LiveRuns(runs.queries)
    renders: dict[str, list[int]] = {"a": [], "b": []}
    tab_a, tab_b = recorder(renders["a"]), recorder(renders["b"])
    view_a = await live_runs.attach(run_id, tab_a)
    view_b = await live_runs.attach(run_id, tab_b)
    assert view_a is view_b, "tabs of one run share one fold"

    started = time.monotonic()
    await bus.emit(run_id, TextMessageStartEvent(message_id="m", role="assistant"))
    for _ in range(400):
        await bus.emit(run_id, TextMessageContentEvent(message_id="m", delta="x"))
    elapsed = time.monotonic() - started
    for _ in range(50):
        if renders["a"] and renders["a"][-1] == 400:
            break
        await asyncio.sleep(FLUSH_INTERVAL)

    assert renders["a"][-1] == 400 and renders["b"][-1] == 400, "the last render shows every token"
    assert len(renders["a"]) <= elapsed / FLUSH_INTERVAL + 3, f"{len(renders['a'])} renders for 400 tokens"
    assert renders["a"] == renders["b"]

    live_runs.detach(run_id, tab_a)
    live_runs.detach(run_id, tab_b)
    for _ in range(20):  # the subscription ends once its task has processed the cancellation
        if bus.subscriber_count(run_id) == 0:
            break
        await asyncio.sleep(0.05)
    assert bus.subscriber_count(run_id) == 0, "the last tab leaving ends the run's subscription"


async def test_an_event_after_a_quiet_spell_is_rendered_at_once(user: User, store):
    bus = Bus(store.log)
    runs = RunService(store.catalogue, store.log, bus, idle_pipeline)
    run_id = await runs.start("A brief", owner=OWNER)
    live_runs = LiveRuns(runs.queries)
    renders: list[int] = []
    await live_runs.attach(run_id, recorder(renders))
    await bus.emit(run_id, TextMessageStartEvent(message_id="m", role="assistant"))
    await asyncio.sleep(FLUSH_INTERVAL * 5)  # the quiet spell
    await bus.emit(run_id, TextMessageContentEvent(message_id="m", delta="x"))
    for _ in range(100):  # turns of the event loop, not time: the leading edge waits for no timer
        if renders and renders[-1] == 1:
            break
        await asyncio.sleep(0)
    assert renders and renders[-1] == 1, "the first token after a quiet spell waited for a tick"
    live_runs.detach(run_id, recorder(renders))


async def test_many_tabs_of_streaming_runs_get_fewer_fuller_updates_and_the_last_shows_everything(user: User, store):
    """With TAB_UPDATES_PER_S spread over the tabs of the runs streaming, a run's flushes come at most once per that
    share, each carrying more tokens; the last render still shows every token."""
    bus = Bus(store.log)
    runs = RunService(store.catalogue, store.log, bus, idle_pipeline)
    run_id = await runs.start("A brief", owner=OWNER)
    live_runs = LiveRuns(runs.queries)
    tabs = round(3 * TAB_UPDATES_PER_S * FLUSH_INTERVAL)  # three times as many tabs as frames alone would allow
    renders: list[list[int]] = [[] for _ in range(tabs)]
    for shown in renders:
        await live_runs.attach(run_id, recorder(shown))
    await bus.emit(run_id, TextMessageStartEvent(message_id="m", role="assistant"))
    await asyncio.sleep(RECOUNT_S + FLUSH_INTERVAL * 2)  # it has flushed, and been counted since: it streams
    started = time.monotonic()
    for _ in range(300):
        await bus.emit(run_id, TextMessageContentEvent(message_id="m", delta="x"))
        await asyncio.sleep(0.002)
    elapsed = time.monotonic() - started
    assert live_runs.interval() == tabs / TAB_UPDATES_PER_S > FLUSH_INTERVAL
    await until(lambda: renders[0][-1] == 300)

    in_stream = [count for count in renders[0] if 0 < count < 300]
    assert len(in_stream) <= elapsed / (tabs / TAB_UPDATES_PER_S) + 2, f"{len(in_stream)} renders in {elapsed:.2f} s"
    assert all(shown == renders[0] for shown in renders), "every tab of the run saw the same renders"


async def test_what_can_wait_is_drawn_once_a_turn_after_what_came_meanwhile(user: User):
    """Each drawing asked for `later` gets a turn of the event loop of its own: what became due while one drew (a
    flush, a read) runs before the next. A drawing asked for again before its turn is drawn once, in its place."""
    later, drawn = Later(), []

    def first() -> None:
        drawn.append("first")
        asyncio.get_running_loop().call_soon(drawn.append, "came meanwhile")

    def second() -> None:
        drawn.append("second")

    later(first)
    later(second)
    later(first)
    await until(lambda: "second" in drawn)
    assert drawn == ["first", "came meanwhile", "second"]


async def test_a_broken_or_discarded_drawing_does_not_keep_the_others_from_theirs(
        user: User, caplog: pytest.LogCaptureFixture):
    later, drawn = Later(), []

    def broken() -> None:
        raise RuntimeError("a tab that cannot draw")

    def closed() -> None:
        drawn.append("closed tab")

    later(broken)
    later(closed)
    later.discard(closed)
    later(lambda: drawn.append("open tab"))
    await until(lambda: drawn)
    assert drawn == ["open tab"]
    assert "a tab that cannot draw" in caplog.text
    caplog.clear()


def recorder(renders: list[int]):
    """A stand-in tab that notes how much text each render showed."""
    return lambda view: renders.append(len(view.messages[0].text) if view.messages else 0)


async def two_agents(run):
    """The Analyst streams and waits for approval; once approved, the Architect streams and the run completes."""
    run_id, approved = run.run_id, any(agent.status == AgentStatus.DONE for agent in run.view.agents.values())
    agents = [{"name": "analyst", "title": "Analyst"}, {"name": "architect", "title": "Architect"}]
    await run.emit(RunStartedEvent(thread_id=run_id, run_id=run_id, metadata={"brief": run.brief, "agents": agents}))
    name = "architect" if approved else "analyst"
    sub, message = f"{run_id}:{name}", f"{run_id}:{name}:answer"
    await run.emit(SubagentStartedEvent(subagent_run_id=sub, name=name),
                   TextMessageStartEvent(message_id=message, role="assistant", subagent_run_id=sub))
    for _ in range(200):
        await run.emit(TextMessageContentEvent(message_id=message, delta="token ", subagent_run_id=sub))
    await run.emit(TextMessageEndEvent(message_id=message, subagent_run_id=sub),
                   SubagentFinishedEvent(subagent_run_id=sub, result={}))
    waiting = [] if approved else [Interrupt(id="approval:analyst", reason=InterruptReason.APPROVAL,
                                             metadata={APPROVAL_AGENT: "analyst"}, response_schema=APPROVAL_ANSWER,
                                             message="Review the requirements.")]
    await run.emit(RunFinishedEvent(thread_id=run_id, run_id=run_id, outcome=RunFinishedInterruptOutcome(
        interrupts=waiting)) if waiting else RunFinishedEvent(thread_id=run_id, run_id=run_id))
    seen.append(run.view)


seen: list[RunView] = []  # the views the pipeline was handed


async def test_each_event_is_folded_once_in_a_process_however_many_look_at_the_run(user: User, store):
    """The executor, two tabs and the commands share one view of the run, which a command brings up to date with the
    events after it only: the process folds each event of the log exactly once."""
    seen.clear()
    bus = Bus(store.log)
    runs = RunService(store.catalogue, store.log, bus, two_agents)
    run_id = await runs.start("A brief", owner=OWNER)
    live_runs = LiveRuns(runs.queries)
    tab_a, tab_b = recorder([]), recorder([])
    view = await live_runs.attach(run_id, tab_a)
    assert await live_runs.attach(run_id, tab_b) is view
    await until(lambda: view.status == RunStatus.WAITING_APPROVAL and not runs.active_runs)
    for _ in range(3):  # commands that look at the run and find nothing to do
        assert not await runs.pause(run_id) and not await runs.resume(run_id)
    assert await runs.decide(run_id, Decision.APPROVE)
    await until(lambda: view.status == RunStatus.COMPLETED and not runs.active_runs)
    assert await runs.queries.view(run_id) is view

    logged = await store.log.read(run_id)
    assert view.last_seq == len(logged) > 400
    assert seen == [view, view], "the pipeline worked on the same view as the tabs"
    assert runs.queries.views.folded == len(logged), "an event was folded more than once, or not at all"
    live_runs.detach(run_id, tab_a)
    live_runs.detach(run_id, tab_b)


async def until(condition, timeout_s: float = 30) -> None:
    async with asyncio.timeout(timeout_s):
        while not condition():
            await asyncio.sleep(0.02)
