"""The timeline of a real run (a rate limit, a broken answer, approvals, a pause; failing tests, their fix and the
user's own command) matches its stored events."""

import asyncio

from core.domain.fold import fold
from core.domain.status import Decision
from core.domain.timeline import WORKSPACE_LANE, MarkKind, Outcome, SpanKind
from core.domain.verdict import Counts
from tests.integration.test_human_in_the_loop import BRIEF, settled
from tests.support.commands import run_command, wait_for_run
from tests.support.server import start_server
from tests.support.services import OWNER, llm_for, run_service
from tests.support.timeline import fix_requests_from_the_log, from_server, spans_from_the_log

async def test_the_timeline_of_a_steered_run_matches_its_stored_events(fault_server, store):
    faults = fault_server("script:429@1,ok,cut", delay_ms=1)  # a rate limit, then the redone answer breaks
    runs = run_service(store, llm_for(f"{faults.url}/demo/v1"))
    run_id = await runs.start(BRIEF, ["analyst"], owner=OWNER)
    view = await settled(runs, run_id, "waiting_approval")
    assert await runs.decide(run_id, Decision.REQUEST_CHANGES, feedback="Name the opening hours.")
    view = await settled(runs, run_id, "waiting_approval")
    assert await runs.decide(run_id, Decision.APPROVE, interrupt_id=view.pending.interrupt_id)
    assert await runs.pause(run_id)
    await settled(runs, run_id, "paused")
    await asyncio.sleep(0.2)  # a pause that lasts
    assert await runs.resume(run_id)
    await settled(runs, run_id, "completed")

    events = await store.log.read(run_id)
    timeline = fold(run_id, events).timeline
    shown = {(s.lane, s.kind, s.start_ms, s.end_ms, s.outcome) for s in timeline.spans}
    assert shown == spans_from_the_log(events)
    kinds = [s.kind for s in timeline.spans]
    assert kinds.count(SpanKind.WORKING) == 6 and kinds.count(SpanKind.USER_WAIT) == 2
    assert kinds.count(SpanKind.PAUSED) == 1 and sum(s.is_retry for s in timeline.spans) == 2
    assert [(m.outcome, m.at_ms) for m in timeline.marks] == [(Outcome.DONE, events[-1].event.timestamp)]


def test_the_timeline_of_a_run_whose_first_code_fails_its_tests_shows_the_fix_loop(tmp_path):
    with start_server(tmp_path / "data", {"BOTARMY_DEMO_TOKEN_DELAY_MS": "0", "BOTARMY_DEMO_FAULTS": "buggy=1"}
                      ) as server, server.api() as api:
        run_id = api.post("/api/runs", json={"brief": "A seed swap list for a garden club."}).json()["run_id"]
        assert wait_for_run(api, run_id)["status"] == "completed"
        assert run_command(api, run_id, "pytest -q").status == "passed"
        events = from_server(server.events(run_id), run_id)

    timeline = fold(run_id, events).timeline
    assert {(s.lane, s.kind, s.start_ms, s.end_ms, s.outcome) for s in timeline.spans} == spans_from_the_log(events)
    workspace = [s for s in timeline.spans if s.lane == WORKSPACE_LANE]
    assert [(s.kind, s.outcome, s.fix, s.counts) for s in workspace] == [
        (SpanKind.TESTS, Outcome.FAILED, 0, Counts(passed=9, failed=1)),
        (SpanKind.TESTS, Outcome.PASSED, 1, Counts(passed=10)),
        (SpanKind.COMMAND, Outcome.PASSED, 0, None),
    ]
    assert workspace[0].reason == "1 of 10 tests failed." and workspace[2].label == "pytest -q"
    fixes = [(m.lane, m.at_ms, m.fix) for m in timeline.marks if m.kind == MarkKind.FIX_REQUESTED]
    assert fixes == fix_requests_from_the_log(events) == [("developer", fixes[0][1], 1)]
    developer = [s for s in timeline.spans if s.lane == "developer" and s.kind == SpanKind.WORKING]
    assert [s.fix for s in developer] == [0, 1] and developer[1].start_ms >= fixes[0][1]  # one commit may stamp both
