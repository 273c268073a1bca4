"""The timeline of a real run (a rate limit, a broken answer, approvals, a pause) matches its stored events."""

import asyncio

from core.domain.fold import fold
from core.domain.status import Decision
from core.domain.timeline import Outcome, SpanKind
from tests.integration.test_human_in_the_loop import BRIEF, settled
from tests.support.services import OWNER, llm_for, run_service
from tests.support.timeline import spans_from_the_log

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

    events = await store.read(run_id)
    timeline = fold(run_id, events).timeline
    shown = {(s.lane, s.kind, s.start_ms, s.end_ms, s.outcome) for s in timeline.spans}
    assert shown == spans_from_the_log(events)
    kinds = [s.kind for s in timeline.spans]
    assert kinds.count(SpanKind.WORKING) == 6 and kinds.count(SpanKind.USER_WAIT) == 2
    assert kinds.count(SpanKind.PAUSED) == 1 and sum(s.is_retry for s in timeline.spans) == 2
    assert [(m.outcome, m.at_ms) for m in timeline.marks] == [(Outcome.DONE, events[-1].event.timestamp)]
