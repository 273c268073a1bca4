"""One coalescing flusher per run: many tokens, few renders, nothing lost."""

import asyncio
import time

from nicegui.testing import User

from core.eventlog.bus import Bus
from core.domain.events import RunStartedEvent, TextMessageContentEvent, TextMessageStartEvent
from core.engine.commands import RunService
from tests.support.services import OWNER
from ui.live import FLUSH_INTERVAL, LiveRuns


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


def recorder(renders: list[int]):
    """A stand-in tab that notes how much text each render showed."""
    return lambda view: renders.append(len(view.messages[0].text) if view.messages else 0)
