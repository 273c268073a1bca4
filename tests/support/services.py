"""The core services wired as main.py wires them, for integration tests that drive runs directly."""

import asyncio
from functools import partial

from agents.pipeline import Budget, run_pipeline
from agents.revision import edit_refusal
from agents.roles import AGENT_NAMES
from core.eventlog.bus import Bus
from core.domain.view import RunView
from core.llm.client import LLM
from core.engine.commands import RunService
from core.settings import Settings
from core.storage.backends import Storage

OWNER = "b-tester"  # the user the tests' runs belong to

FAST_RETRIES = {"llm_backoff_initial_s": 0.05, "llm_backoff_max_s": 0.2, "llm_stall_timeout_s": 1.0,
                "llm_first_token_timeout_s": 5.0}


def llm_for(base_url: str, key: str = "any-key", **settings) -> LLM:
    return LLM(Settings(openai_api_key=key, openai_base_url=base_url, model="botarmy-demo",
                        **{**FAST_RETRIES, **settings}))


def run_service(store: Storage, llm: LLM, budget: Budget = Budget(10**7, 0), **options) -> RunService:
    """Options as RunService takes them (limits, default_approvals); no approvals unless asked for."""
    return RunService(store.catalogue, store.log, Bus(store.log), partial(run_pipeline, llm=llm, budget=budget), agents=AGENT_NAMES,
                      **{"edit_refusal": edit_refusal, **options})


async def run_to_end(runs: RunService, brief: str, timeout: float = 60) -> RunView:
    run_id = await runs.start(brief, owner=OWNER)
    async with asyncio.timeout(timeout):
        while runs.active_runs:
            await asyncio.sleep(0.02)
    return await runs.queries.view(run_id)
