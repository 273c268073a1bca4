"""Approvals, pause, cancel at rest, the run queue and delete, driven through the RunService as the UI drives it."""

import asyncio
import io
import sys
import zipfile

import pytest

from agents.roles import ROLE_BY_NAME, TEAM, build_messages
from core.domain.custom import CustomKind
from core.domain.events import EventType
from core.domain.inputs import InputError
from core.domain.status import Decision
from core.domain.view import RunView
from core.domain.project import project_zip
from core.engine.commands import Limits
from tests.support.services import OWNER, llm_for, run_service

BRIEF = "A lending shelf where neighbours borrow garden tools and bring them back."


async def settled(runs, run_id: str, *statuses: str, timeout: float = 60) -> RunView:
    """The run's view once it reached one of `statuses` and its runner works it no more."""
    async with asyncio.timeout(timeout):
        while True:
            # The cheap check first: folding the whole log 50 times a second while the run works cost more CPU
            # than the run.
            if not await runs.runner.working(run_id) and (view := await runs.queries.view(run_id)).status in statuses:
                return view
            await asyncio.sleep(0.02)


def customs(events, name: str) -> list[dict]:
    return [item.event.value for item in events if item.event.type == EventType.CUSTOM and item.event.name == name]


async def test_approve_then_request_changes_reaches_the_agent_and_keeps_the_earlier_version(llm_server, store):
    runs = run_service(store, llm_for(f"{llm_server.url}/demo/v1"))
    run_id = await runs.start(BRIEF, ["analyst", "architect"], owner=OWNER)

    view = await settled(runs, run_id, "waiting_approval")
    assert view.pending.agent == "analyst" and view.agents["analyst"].status == "waiting_approval"
    assert view.agents["architect"].status == "queued" and list(view.artifacts) == ["analyst"]
    first_requirements = view.artifacts["analyst"].content
    assert await runs.decide(run_id, Decision.APPROVE, interrupt_id=view.pending.interrupt_id)

    view = await settled(runs, run_id, "waiting_approval")
    assert view.pending.agent == "architect" and view.agents["analyst"].status == "done"
    feedback = "Add a data retention section: borrowing records are deleted after 90 days."
    assert await runs.decide(run_id, Decision.REQUEST_CHANGES, feedback=feedback)

    view = await settled(runs, run_id, "waiting_approval")
    assert view.pending.agent == "architect", "the redone work waits for approval again"
    assert feedback in view.artifacts["architect"].content, "the demo model quotes the feedback it received"
    assert [r.content for r in view.revisions["architect"]] != [view.artifacts["architect"].content]
    assert feedback not in view.revisions["architect"][0].content
    kinds = [(m.agent, m.kind) for m in view.messages]
    assert kinds == [("analyst", "answer"), ("architect", "answer"), ("architect", "feedback"),
                     ("architect", "answer")], "the earlier answer and the request stay in the transcript"
    assert await runs.decide(run_id, Decision.APPROVE)

    view = await settled(runs, run_id, "completed")
    assert view.artifacts["analyst"].content == first_requirements
    assert sorted(view.artifacts) == sorted(ROLE_BY_NAME)
    assert [v["decision"] for v in customs(await store.log.read(run_id), CustomKind.APPROVAL_DECIDED)] == [
        Decision.APPROVE, Decision.REQUEST_CHANGES, Decision.APPROVE]


async def test_an_edit_is_the_artifact_the_next_agent_reads(llm_server, store):
    runs = run_service(store, llm_for(f"{llm_server.url}/demo/v1"))
    run_id = await runs.start(BRIEF, "analyst", owner=OWNER)
    view = await settled(runs, run_id, "waiting_approval")
    edited = "# Requirements\n\nOnly members may borrow; at most two tools at a time.\n" + "Detail. " * 400
    assert await runs.decide(run_id, Decision.EDIT, content=edited)

    view = await settled(runs, run_id, "completed")
    assert view.artifacts["analyst"].content == edited.strip() and view.artifacts["analyst"].edited
    assert len(view.revisions["analyst"]) == 1
    # The demo model counts the prompt it received: exactly the architect's prompt built on the edited text.
    architect_usage = next(u for u in customs(await store.log.read(run_id), CustomKind.USAGE) if u["agent"] == "architect")
    expected = build_messages(ROLE_BY_NAME["architect"], BRIEF, {"analyst": edited.strip()})
    assert architect_usage["prompt_tokens"] == len("".join(m["content"] for m in expected)) // 4


async def test_an_edit_that_does_not_fit_the_files_is_refused_whole_with_a_sentence_and_the_approval_waits(
        llm_server, store):
    runs = run_service(store, llm_for(f"{llm_server.url}/demo/v1"))
    run_id = await runs.start(BRIEF, ["developer"], owner=OWNER)
    view = await settled(runs, run_id, "waiting_approval")
    assert view.pending.agent == "developer"
    files, code, interrupt_id = dict(view.files), view.artifacts["developer"].content, view.pending.interrupt_id
    # The agent's own files, which would apply, and one edit of a file that does not exist: all or nothing.
    broken = code + "\n\nsrc/nowhere.py\n```\n<<<<<<< SEARCH\nx = 1\n=======\nx = 2\n>>>>>>> REPLACE\n```\n"
    with pytest.raises(InputError) as refused:
        await runs.decide(run_id, Decision.EDIT, content=broken)
    sentence = str(refused.value)
    assert sentence.startswith("Your edit of the code cannot be applied to the project's files, so nothing of it was: "
                               "Edit 3: `src/nowhere.py`") and sentence.endswith(
        "Correct it, or approve the answer as it was.") and "\n" not in sentence

    view = await runs.queries.view(run_id)
    assert view.pending.interrupt_id == interrupt_id and view.status == "waiting_approval"
    assert view.files == files and view.artifacts["developer"].content == code and not view.project.uncommitted_edits
    events = await store.log.read(run_id)
    assert customs(events, "edit_refused") == [{"agent": "developer", "interrupt_id": interrupt_id,
                                                "sentence": sentence}]
    assert customs(events, CustomKind.APPROVAL_DECIDED) == []
    assert [(m.kind, m.text) for m in view.messages if m.kind == "edit_refused"] == [("edit_refused", sentence)]

    fitting = code + "\n\n**File: `src/added_by_you.py`**\n```python\nX = 1\n```\n"
    assert await runs.decide(run_id, Decision.EDIT, content=fitting)
    view = await settled(runs, run_id, "completed", "failed")
    assert view.files["src/added_by_you.py"].content == "X = 1\n"
    assert [commit.author for commit in view.project.commits].count("you") == 1


async def test_two_decisions_at_once_make_exactly_one(llm_server, store):
    runs = run_service(store, llm_for(f"{llm_server.url}/demo/v1"))
    run_id = await runs.start(BRIEF, ["analyst"], owner=OWNER)
    view = await settled(runs, run_id, "waiting_approval")
    results = await asyncio.gather(
        runs.decide(run_id, Decision.APPROVE, interrupt_id=view.pending.interrupt_id),
        runs.decide(run_id, Decision.REQUEST_CHANGES, interrupt_id=view.pending.interrupt_id, feedback="Shorter, please."),
        runs.decide(run_id, Decision.APPROVE, interrupt_id=view.pending.interrupt_id))
    assert sorted(results) == [False, False, True]
    assert len(customs(await store.log.read(run_id), CustomKind.APPROVAL_DECIDED)) == 1
    await settled(runs, run_id, "completed")


async def test_bad_feedback_is_refused_with_a_message_and_decides_nothing(llm_server, store):
    runs = run_service(store, llm_for(f"{llm_server.url}/demo/v1"), limits=Limits(max_feedback_chars=100))
    run_id = await runs.start(BRIEF, ["analyst"], owner=OWNER)
    await settled(runs, run_id, "waiting_approval")
    for feedback, message in [("  \x00 ", "feedback is empty"), ("x" * 101, "limit is 100")]:
        try:
            await runs.decide(run_id, Decision.REQUEST_CHANGES, feedback=feedback)
        except ValueError as error:
            assert message in str(error)
        else:
            raise AssertionError("unusable feedback was accepted")
    assert (await runs.queries.view(run_id)).status == "waiting_approval"
    assert await runs.cancel(run_id)
    view = await settled(runs, run_id, "cancelled")
    assert list(view.artifacts) == ["analyst"] and view.agents["analyst"].status == "done"
    assert view.agents["architect"].status == "cancelled" and view.pending is None


async def test_pause_takes_effect_after_the_current_agent_and_resume_goes_on(fault_server, store):
    slow = fault_server("", delay_ms=3)
    runs = run_service(store, llm_for(f"{slow.url}/demo/v1"))
    run_id = await runs.start(BRIEF, [], owner=OWNER)
    async with asyncio.timeout(20):
        while not (view := await runs.queries.view(run_id)).messages:
            await asyncio.sleep(0.01)
    assert await runs.pause(run_id)
    assert not await runs.pause(run_id), "one pause request at a time"
    assert (await runs.queries.view(run_id)).pause_requested

    view = await settled(runs, run_id, "paused")
    assert view.agents["analyst"].status == "done" and view.messages[0].complete, "the answer was not cut off"
    assert view.agents["architect"].status == "queued" and not view.pause_requested
    assert await runs.resume(run_id)
    view = await settled(runs, run_id, "completed", timeout=120)
    assert sorted(view.artifacts) == sorted(ROLE_BY_NAME)


async def test_runs_beyond_the_limit_wait_in_order_and_say_where(llm_server, store):
    runs = run_service(store, llm_for(f"{llm_server.url}/demo/v1"), limits=Limits(max_concurrent_runs=1))
    first = await runs.start(BRIEF, [], owner=OWNER)
    second = await runs.start("A booking page for a community sauna.", [], owner=OWNER)
    third = await runs.start("A rota for a food bank's volunteers.", [], owner=OWNER)
    async with asyncio.timeout(5):
        while runs.queued_runs < 2:
            await asyncio.sleep(0.01)
    for run_id in (first, second, third):
        await settled(runs, run_id, "completed", timeout=120)
    assert customs(await store.log.read(first), CustomKind.RUN_QUEUED) == []
    assert [v["position"] for v in customs(await store.log.read(second), CustomKind.RUN_QUEUED)] == [1]
    assert [v["position"] for v in customs(await store.log.read(third), CustomKind.RUN_QUEUED)] == [2, 1]
    started = {run_id: next(i.event.timestamp for i in await store.log.read(run_id)
                            if i.event.type == EventType.RUN_STARTED) for run_id in (first, second, third)}
    finished = {run_id: (await store.catalogue.get_run(run_id)).ended_ms for run_id in (first, second)}
    assert started[second] >= finished[first] and started[third] >= finished[second]


async def test_cancelling_a_queued_run_frees_its_place(fault_server, store):
    # Paced: unpaced, the first run's Analyst could be done and its slot free (it waits for approval) before the
    # second run is looked at, which would then be working, not queued.
    slow = fault_server("", delay_ms=3)
    runs = run_service(store, llm_for(f"{slow.url}/demo/v1"), limits=Limits(max_concurrent_runs=1))
    first = await runs.start(BRIEF, ["analyst"], owner=OWNER)
    second = await runs.start("A booking page for a community sauna.", [], owner=OWNER)
    await asyncio.sleep(0.05)
    assert (await runs.queries.view(second)).queue_position == 1
    assert await runs.cancel(second)
    view = await settled(runs, second, "cancelled")
    assert view.queue_position is None
    await settled(runs, first, "waiting_approval")


async def test_the_project_zip_unpacks_into_a_project_whose_tests_pass(llm_server, store, tmp_path):
    runs = run_service(store, llm_for(f"{llm_server.url}/demo/v1"))
    run_id = await runs.start(BRIEF, [], owner=OWNER)
    view = await settled(runs, run_id, "completed")
    name, data = project_zip(view, TEAM)
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        archive.extractall(tmp_path)
    folder = tmp_path / name.removesuffix(".zip")
    for path in ("requirements.md", "architecture.md", "README.md", "Dockerfile", "pyproject.toml"):
        assert (folder / path).is_file(), path
    assert list(folder.glob("src/*/core.py")) and list(folder.glob("tests/test_*.py"))
    tests = await asyncio.create_subprocess_exec(sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
                                                 cwd=folder, stdout=asyncio.subprocess.PIPE,
                                                 stderr=asyncio.subprocess.STDOUT)
    output = (await asyncio.wait_for(tests.communicate(), 120))[0].decode()
    assert tests.returncode == 0 and " passed" in output, output


async def test_deleting_a_run_removes_it_from_disk(llm_server, store, tmp_path):
    runs = run_service(store, llm_for(f"{llm_server.url}/demo/v1"))
    marker = "Zanzibar-marmalade-7431"
    kept = await runs.start(BRIEF, [], owner=OWNER)
    doomed = await runs.start(f"A recipe box for {marker} lovers.", [], owner=OWNER)
    await settled(runs, kept, "completed")
    await settled(runs, doomed, "completed")
    assert await runs.delete(doomed)
    assert await runs.queries.view(doomed) is None and await store.log.read(doomed) == []
    assert not await runs.delete(doomed)
    for path in tmp_path.iterdir():  # the store's file, its WAL and its shared memory
        assert marker.encode() not in path.read_bytes(), f"{path.name} still holds the deleted run"
    assert (await runs.queries.view(kept)).status == "completed"
