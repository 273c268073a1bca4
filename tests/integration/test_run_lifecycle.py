"""Runs outlive pages, and a server stop leaves every view agreeing that the run was interrupted."""

import asyncio

from core.bus import Bus
from core.events import RunStartedEvent
from core.fold import fold
from core.runs import INTERRUPTED_MESSAGE, RunService
from core.store import Store


async def never_ending_pipeline(run_id, brief, emit):
    await emit(RunStartedEvent(thread_id=run_id, run_id=run_id, metadata={"brief": brief, "agents": []}))
    await asyncio.Event().wait()


async def test_a_run_left_running_by_an_earlier_process_is_marked_interrupted(tmp_path):
    path = tmp_path / "db.sqlite3"
    first = Store(path)
    first.open()
    await first.create_run("old", "brief")
    await Bus(first).emit("old", RunStartedEvent(thread_id="old", run_id="old"))
    await first.close()

    second = Store(path)
    second.open()
    runs = RunService(second, Bus(second), never_ending_pipeline, 8000)
    await runs.recover()
    view = fold("old", await second.read("old"))
    assert (view.status, view.error) == ("interrupted", INTERRUPTED_MESSAGE)
    assert (await second.get_run("old")).status == "interrupted"
    await second.close()


async def test_shutdown_stops_running_runs_and_records_why(store):
    runs = RunService(store, Bus(store), never_ending_pipeline, 8000)
    run_id = await runs.start("A brief that never finishes")
    await asyncio.sleep(0.05)
    assert runs.active_runs == 1
    await runs.recover()  # a run of this very process is not mistaken for a leftover
    assert fold(run_id, await store.read(run_id)).status == "running"
    await runs.shutdown()
    assert fold(run_id, await store.read(run_id)).status == "interrupted"
    assert runs.active_runs == 0
