"""Runs outlive pages, and a server stop leaves every view agreeing that the run was interrupted."""

import asyncio
import sqlite3

import pytest

from core.eventlog.bus import Bus
from core.domain.events import EventType, RunStartedEvent
from core.domain.fold import fold
from core.engine.commands import INTERRUPTED_MESSAGE, RunService
from core.storage.backends import sqlite_storage
from tests.support.commands import wait_for_run
from tests.support.server import start_server
from tests.support.services import OWNER, llm_for, run_service

LEFT_WORKING = 300


async def never_ending_pipeline(run):
    await run.emit(RunStartedEvent(thread_id=run.run_id, run_id=run.run_id, metadata={"brief": run.brief, "agents": []}))
    await asyncio.Event().wait()


async def test_a_run_left_running_by_an_earlier_process_is_marked_interrupted(tmp_path):
    path = tmp_path / "db.sqlite3"
    first = sqlite_storage(path)
    await first.catalogue.create_run("old", "brief", OWNER)
    await Bus(first.log).emit("old", RunStartedEvent(thread_id="old", run_id="old"))
    await first.close()

    second = sqlite_storage(path)
    runs = RunService(second.catalogue, second.log, Bus(second.log), never_ending_pipeline)
    await runs.recover()
    view = fold("old", await second.log.read("old"))
    assert (view.status, view.error) == ("interrupted", INTERRUPTED_MESSAGE)
    assert (await second.catalogue.get_run("old")).status == "interrupted"
    await second.close()


async def test_shutdown_stops_running_runs_and_records_why(store):
    runs = RunService(store.catalogue, store.log, Bus(store.log), never_ending_pipeline)
    run_id = await runs.start("A brief that never finishes", owner=OWNER)
    await asyncio.sleep(0.05)
    assert runs.active_runs == 1
    await runs.recover()  # a run of this very process is not mistaken for a leftover
    assert fold(run_id, await store.log.read(run_id)).status == "running"
    await runs.shutdown()
    assert fold(run_id, await store.log.read(run_id)).status == "interrupted"
    assert runs.active_runs == 0


async def test_a_cancellation_swallowed_on_its_way_is_sent_again_until_the_run_stops(store):
    swallowed = []

    async def deaf_pipeline(run):
        await run.emit(RunStartedEvent(thread_id=run.run_id, run_id=run.run_id, metadata={"brief": run.brief}))
        try:
            await asyncio.Event().wait()
        except asyncio.CancelledError:
            swallowed.append(run.run_id)  # as a library on the way may: the first cancellation never reaches the run
        await asyncio.Event().wait()

    runs = RunService(store.catalogue, store.log, Bus(store.log), deaf_pipeline)
    run_id = await runs.start("A brief whose run does not hear its first cancel", owner=OWNER)
    await asyncio.sleep(0.05)
    assert await runs.cancel(run_id)
    async with asyncio.timeout(30):
        while runs.active_runs:
            await asyncio.sleep(0.05)
    assert swallowed == [run_id]
    assert fold(run_id, await store.log.read(run_id)).status == "cancelled"


async def wait_for_streaming(runs, run_id: str, agent: str) -> None:
    async with asyncio.timeout(20):
        async for item in runs.bus.subscribe(run_id):
            if item.event.type == EventType.TEXT_MESSAGE_CONTENT and f":{agent}:" in item.event.message_id:
                return


@pytest.mark.parametrize("stop", ["interrupt", "cancel"])
async def test_a_stopped_run_resumes_from_its_first_unfinished_agent_without_fragments(fault_server, store, stop):
    # The architect's first stream is slow, so the stop lands in the middle of it; later requests are quick.
    llm = llm_for(f"{fault_server('script:ok,slow').url}/demo/v1")
    runs = run_service(store, llm)
    run_id = await runs.start("A tool library where neighbours lend each other drills and ladders.", owner=OWNER)
    await wait_for_streaming(runs, run_id, "architect")
    if stop == "interrupt":
        await runs.shutdown()
    else:
        assert await runs.cancel(run_id)
        while runs.active_runs:
            await asyncio.sleep(0.01)

    stopped = await runs.queries.view(run_id)
    assert stopped.status == {"interrupt": "interrupted", "cancel": "cancelled"}[stop]
    assert [m.agent for m in stopped.messages] == ["analyst"], "the architect's fragment is voided"
    requirements = stopped.artifacts["analyst"].content

    assert await runs.resume(run_id)
    assert not await runs.resume(run_id), "a running run cannot be resumed twice"
    while runs.active_runs:
        await asyncio.sleep(0.02)
    resumed = await runs.queries.view(run_id)
    assert resumed.status == "completed" and resumed.segments == 2
    assert resumed.artifacts["analyst"].content == requirements, "finished work is kept, not redone"
    assert [m.agent for m in resumed.messages] == ["analyst", "architect", "developer", "tester", "deployer"]
    for message in resumed.messages:
        assert message.complete and message.text == resumed.artifacts[message.agent].content
    starts = [e for e in await store.log.read(run_id) if e.event.type == EventType.SUBAGENT_STARTED]
    assert [e.event.name for e in starts].count("analyst") == 1
    await llm.close()


def test_right_after_a_restart_no_run_the_stopped_process_left_working_shows_as_still_running(tmp_path):
    data_dir = tmp_path / "data"
    with start_server(data_dir, {"BOTARMY_DEMO_TOKEN_DELAY_MS": "0"}) as server, server.api() as api:
        run_id = api.post("/api/runs", json={"brief": "A tiny unit converter."}).json()["run_id"]
        wait_for_run(api, run_id)
    # As many runs as a busy server leaves working when it is killed: closing them takes the new process a while.
    with sqlite3.connect(data_dir / "botarmy.sqlite3") as db:
        owner, created_ms = db.execute("SELECT owner, created_ms FROM runs").fetchone()
        db.executemany("INSERT INTO runs (run_id, brief, created_ms, status, owner) VALUES (?, ?, ?, ?, ?)",
                       [(f"left-{n}", "A brief", created_ms + n, "running", owner) for n in range(LEFT_WORKING)])
    with start_server(data_dir) as again, again.knowing(server.tokens).api() as api:
        listed = api.get("/api/runs", params={"status": "running", "limit": 1}).json()
        last = api.get(f"/api/runs/left-{LEFT_WORKING - 1}").json()
        assert (listed["total"], last["status"]) == (0, "interrupted")
