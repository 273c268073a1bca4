"""Commands of a run held by more than one process, on a real store (the shared fixtures'): an interrupt recorded by a process that does not
run the command reaches the one that does through the run's log; a test command whose process died gets exactly one
recorded end, whoever records it first (the run's close or the restarted process); workspaces of deleted runs are
swept away."""

import asyncio

import pytest

from agents.roles import TEAM
from core.domain.custom import CommandEnded, CommandRequested, CommandStarted, custom, payload_as
from core.domain.status import CommandOrigin
from core.engine.closing import close_out, interrupted
from core.engine.execution import ExecutionService
from core.engine.queries import RunQueries
from core.eventlog.bus import Bus
from core.sandbox.base import Limits
from core.sandbox.unsandboxed import Unsandboxed
from core.storage.backends import Storage
from core.workspace.workspaces import Workspaces


def service(store: Storage, bus: Bus, data_dir) -> ExecutionService:
    """One process's commands: its own data directory, the deployment's log."""
    return ExecutionService(bus, RunQueries(store.catalogue, store.log, bus), Unsandboxed(Limits(wall_s=60)), Workspaces(data_dir), TEAM)


async def ended(queries: RunQueries, run_id: str, command_id: str, timeout: float = 30):
    async with asyncio.timeout(timeout):
        while (command := (await queries.view(run_id)).commands[command_id]).running:
            await asyncio.sleep(0.05)
    return command


async def test_an_interrupt_asked_of_another_process_reaches_the_command_through_the_log(store, bus, tmp_path):
    holder, other = service(store, bus, tmp_path / "a"), service(store, bus, tmp_path / "b")
    await store.catalogue.create_run("r1", "A brief", "owner")
    command_id = await holder.start("r1", 'python -c "while True: print(1)"')
    async with asyncio.timeout(30):
        while not (await holder.queries.view("r1")).commands[command_id].output:
            await asyncio.sleep(0.05)
    assert await other.interrupt("r1", command_id)
    assert not await other.interrupt("r1", command_id), "asked once already"
    command = await ended(holder.queries, "r1", command_id)
    assert (command.status, command.ending) == ("interrupted", "interrupted")
    assert command.message.startswith("Interrupted by you after ")
    assert not await other.interrupt("r1", command_id), "not running any more"
    assert not await other.interrupt("r1", "0" * 32)


@pytest.mark.parametrize("first", ["close", "recover"])
async def test_a_test_command_whose_process_died_ends_once_whoever_records_it_first(store, bus, tmp_path, first):
    queries = RunQueries(store.catalogue, store.log, bus)
    await store.catalogue.create_run("r1", "A brief", "owner")
    await bus.emit("r1", custom(CommandRequested(command_id="t" * 32, command="pytest -q",
                                                 origin=CommandOrigin.VERIFY)),
                   custom(CommandStarted(command_id="t" * 32)),
                   custom(CommandRequested(command_id="u" * 32, command="sleep 300")),
                   custom(CommandStarted(command_id="u" * 32)))
    workspaces = Workspaces(tmp_path / "data")
    for command_id in ("t" * 32, "u" * 32):
        workspaces.mark_running("r1", command_id)
    restarted = service(store, bus, tmp_path / "data")
    steps = {"close": lambda: close_out(bus, queries, "r1", interrupted()), "recover": restarted.recover}
    await steps[first]()
    await steps["recover" if first == "close" else "close"]()
    ends = [end for item in await store.log.read("r1") if (end := payload_as(item.event, CommandEnded)) is not None]
    assert sorted(end.command_id for end in ends) == ["t" * 32, "u" * 32]
    assert workspaces.marked_running() == []


async def test_workspaces_of_runs_deleted_elsewhere_are_swept_away(store, bus, tmp_path):
    execution = service(store, bus, tmp_path / "data")
    for run_id in ("kept", "deleted"):
        await store.catalogue.create_run(run_id, "A brief", "owner")
        execution.workspaces.sync(run_id, {"README.md": "# Project\n"})
        execution.workspaces.mark_running(run_id, "c" * 32)
        execution.workspaces.mark_ended(run_id, "c" * 32)
    await store.catalogue.delete_run("deleted")  # through another process, which removed only its own copy
    assert await execution.sweep() == ["deleted"]
    assert execution.workspaces.run_ids() == {"kept"}
    assert (execution.workspaces.path("kept") / "README.md").exists()
