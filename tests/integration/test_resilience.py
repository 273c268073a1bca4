"""The real openai SDK over real HTTP against a demo model that misbehaves on purpose."""

import asyncio
import logging
import re
import time

import openai
import pytest

from agents.pipeline import Budget
from agents.roles import ROLES, build_messages
from core.demo.content import demo_answer
from core.llm.errors import CONFIGURATION, CONTEXT_TOO_LONG, classify
from core.domain.custom import CustomKind
from core.domain.events import EventType
from core.llm.client import Restart, Waiting
from tests.support.services import OWNER, llm_for, run_service, run_to_end

BRIEF = "A lost-and-found board for a public library."
ANALYST = build_messages(ROLES[0], BRIEF, {})


async def collect(llm):
    return [piece async for piece in llm.stream(ANALYST, agent="analyst")]


def final_text(pieces) -> str:
    """The answer as a viewer keeps it: a Restart voids everything streamed before it."""
    text = ""
    for piece in pieces:
        if isinstance(piece, Restart):
            text = ""
        elif isinstance(piece, str):
            text += piece
    return text


def requests_sent(caplog) -> int:
    return sum("HTTP Request: POST" in record.getMessage() for record in caplog.records)


async def test_a_429_with_retry_after_is_a_visible_wait_of_at_least_that_long(fault_server):
    llm = llm_for(f"{fault_server('script:429@2,ok').url}/demo/v1")
    started = time.monotonic()
    pieces = await collect(llm)
    waits = [p for p in pieces if isinstance(p, Waiting)]
    assert [(w.kind, w.seconds) for w in waits] == [("rate_limited", 2.0)]
    assert time.monotonic() - started >= 2.0
    assert final_text(pieces) == demo_answer("analyst", BRIEF)
    await llm.close()


@pytest.mark.parametrize("fault", ["cut", "stall", "malformed", "misshapen"])
async def test_a_stream_broken_mid_answer_restarts_without_duplicating_text(fault_server, fault):
    llm = llm_for(f"{fault_server(f'script:{fault},ok').url}/demo/v1", llm_stall_timeout_s=0.5)
    pieces = await collect(llm)
    kinds = [type(p).__name__ for p in pieces if not isinstance(p, str)]
    assert kinds == ["Restart", "Waiting", "Usage"]
    restart = next(index for index, piece in enumerate(pieces) if isinstance(piece, Restart))
    assert any(isinstance(piece, str) for piece in pieces[:restart]), "some text had streamed before the break"
    assert final_text(pieces) == demo_answer("analyst", BRIEF)
    await llm.close()


async def test_server_errors_are_retried_with_backoff(fault_server):
    llm = llm_for(f"{fault_server('script:500,503,ok').url}/demo/v1")
    pieces = await collect(llm)
    assert [p.kind for p in pieces if isinstance(p, Waiting)] == ["service_error", "service_error"]
    assert final_text(pieces) == demo_answer("analyst", BRIEF)
    await llm.close()


@pytest.mark.parametrize(("fault", "expected"), [("401", CONFIGURATION), ("400", CONTEXT_TOO_LONG)])
async def test_permanent_failures_are_never_retried(fault_server, caplog, fault, expected):
    caplog.set_level(logging.INFO)
    llm = llm_for(f"{fault_server(f'script:{fault}').url}/demo/v1")
    with pytest.raises(openai.APIStatusError) as raised:
        await collect(llm)
    assert classify(raised.value).message == expected
    assert requests_sent(caplog) == 1
    await llm.close()


async def test_retries_stop_after_the_attempt_limit(fault_server, caplog):
    caplog.set_level(logging.INFO)
    llm = llm_for(f"{fault_server('500=1.0').url}/demo/v1", llm_max_attempts=3)
    with pytest.raises(openai.InternalServerError):
        await collect(llm)
    assert requests_sent(caplog) == 3
    await llm.close()


async def test_with_30_percent_mixed_faults_every_run_finishes_and_each_message_is_its_artifact(
        fault_server, store):
    server = fault_server("429=0.06,500=0.06,503=0.06,cut=0.06,malformed=0.03,stall=0.03;seed=11")
    llm = llm_for(f"{server.url}/demo/v1", llm_stall_timeout_s=0.5)
    runs = run_service(store, llm)
    retried = 0
    for attempt in range(3):
        view = await run_to_end(runs, f"{BRIEF} Variant {attempt}.")
        assert view.status == "completed", view.error
        assert [m.agent for m in view.messages] == [role.name for role in ROLES]
        for message in view.messages:
            assert message.complete and message.text == view.artifacts[message.agent].content
        retried += sum(agent.retries for agent in view.agents.values())
        events = await store.log.read(view.run_id)
        discarded = [e for e in events if e.event.type == EventType.CUSTOM and e.event.name == CustomKind.MESSAGE_DISCARDED]
        waits = [e for e in events if e.event.type == EventType.CUSTOM and e.event.name == CustomKind.AGENT_WAITING]
        assert len(waits) >= len(discarded)
    assert retried > 0, "the fault mix must actually have hit these runs"
    await llm.close()


async def test_an_agent_that_fails_for_good_lets_independent_agents_finish(fault_server, store):
    # The tester's call (the 4th) is rejected as too long; the deployer does not need its tests.
    llm = llm_for(f"{fault_server('script:ok,ok,ok,400').url}/demo/v1")
    view = await run_to_end(run_service(store, llm), BRIEF)
    statuses = {name: agent.status for name, agent in view.agents.items()}
    assert statuses == {"analyst": "done", "architect": "done", "developer": "done", "tester": "failed",
                        "deployer": "done"}
    assert view.status == "failed"
    assert view.error == f"Tester could not finish: {CONTEXT_TOO_LONG} Retry, or continue without it."
    assert view.agents["tester"].error == CONTEXT_TOO_LONG
    await llm.close()


async def test_the_run_stops_cleanly_before_its_token_budget_would_be_exceeded(llm_server, store):
    llm = llm_for(f"{llm_server.url}/demo/v1", max_output_tokens=1000)
    view = await run_to_end(run_service(store, llm, Budget(tokens=4000, cost_usd=0)), BRIEF)
    assert view.status == "failed"
    assert re.fullmatch(r"The run stopped before the \w+: its next step could take the run past its budget of "
                        r"4,000 tokens\.", view.error)
    assert view.tokens <= 4000
    assert [a.status for a in view.agents.values()].count("skipped") >= 1
    await llm.close()


async def test_cost_is_priced_per_agent_and_checked_against_the_cost_budget(llm_server, store):
    llm = llm_for(f"{llm_server.url}/demo/v1", prices={"botarmy-demo": (1000.0, 1000.0)})
    view = await run_to_end(run_service(store, llm, Budget(tokens=10**7, cost_usd=5.0)), BRIEF)
    analyst = view.agents["analyst"]
    assert analyst.cost_usd == pytest.approx((analyst.tokens_in + analyst.tokens_out) * 1000 / 1e6)
    assert view.cost_usd <= 5.0 and "budget of $5.00" in view.error
    await llm.close()


async def test_cancelling_a_run_closes_its_http_stream_within_a_second(fault_server, store):
    server = fault_server("slow=1.0")
    llm = llm_for(f"{server.url}/demo/v1")
    runs = run_service(store, llm)
    run_id = await runs.start(BRIEF, owner=OWNER)
    async with asyncio.timeout(10):
        async for item in runs.bus.subscribe(run_id):
            if item.event.type == EventType.TEXT_MESSAGE_CONTENT:
                break
    cancelled_at = time.time()
    assert await runs.cancel(run_id)
    closed_at = None
    for _ in range(100):
        if ended := server.stream_ends():
            closed_at = ended[0]
            break
        await asyncio.sleep(0.05)
    assert closed_at is not None, "the demo model saw its stream closed"
    assert closed_at - cancelled_at <= 1.0
    await asyncio.sleep(0.1)
    assert (await runs.queries.view(run_id)).status == "cancelled"
    await llm.close()
