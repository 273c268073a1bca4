"""The ControlFlow orchestrator: BotArmy's pipeline with each agent's work done as a ControlFlow task.

The run's course (which agent is next, pauses, approvals, budgets, the end of a segment) stays the pipeline's, so
steering, resuming after a restart and every view are the same as with the native orchestrator; ControlFlow runs
each agent's turns (agents.controlflow.task). Starting it starts Prefect's server and imports ControlFlow, both off
the event loop and at once; runs that start sooner wait for them.
"""

import asyncio
import importlib
import importlib.util
import logging
from pathlib import Path

from core.engine.context import RunContext
from core.llm.client import LLM
from core.obs.logs import logging_unchanged

from ..pipeline import Budget, run_pipeline
from .environment import apply, controlflow_environment, controlflow_home
from .prefect_server import PrefectServer, free_port

log = logging.getLogger("botarmy.controlflow")

NOT_INSTALLED = ("BOTARMY_ORCHESTRATOR=controlflow needs ControlFlow, which is not installed. Install it with "
                 "pip install -e '.[controlflow]' (in its own virtual environment: it needs an older FastAPI).")
_PACKAGES = ("controlflow", "prefect", "langchain_openai")


def installed() -> bool:
    return all(importlib.util.find_spec(package) is not None for package in _PACKAGES)


class ControlFlowOrchestrator:
    def __init__(self, data_dir: Path, llm: LLM, budget: Budget, **options) -> None:
        """`options`: the pipeline's other settings (run_pipeline's keywords: the project's tests, fix rounds)."""
        self.llm, self.budget, self.options = llm, budget, options
        home = controlflow_home(data_dir)
        self.server = PrefectServer(free_port(), home / "prefect-server.log")
        self.environment = controlflow_environment(data_dir, self.server.api_url)
        apply(self.environment)
        self._booting: asyncio.Task | None = None
        self._models = None
        self._step = None

    @property
    def ready(self) -> bool:
        return self._step is not None

    async def start(self) -> None:
        """Start in the background: the app serves pages and answers /health meanwhile."""
        self._booting = asyncio.create_task(self._boot(), name="controlflow-start")

    async def _boot(self) -> None:
        try:
            _, task = await asyncio.gather(self.server.start(self.environment), asyncio.to_thread(_load_task))
        except Exception:
            log.exception("the ControlFlow orchestrator could not start")
            raise
        self._models = task.Models(self.llm)
        self._step = task.controlflow_step(self._models)
        log.info("ControlFlow orchestrator ready")

    async def __call__(self, run: RunContext) -> None:
        if self._step is None:
            await asyncio.shield(self._booting)  # a failed start fails the run, with its reason in the log
        await run_pipeline(run, llm=self.llm, budget=self.budget, step=self._step, **self.options)

    async def stop(self) -> None:
        if self._booting is not None and not self._booting.done():
            self._booting.cancel()
            await asyncio.gather(self._booting, return_exceptions=True)
        if self._models is not None:
            await self._models.close()
        await self.server.stop()


def _load_task():
    """Import ControlFlow (and Prefect, LangChain) with this app's logging kept as it is."""
    with logging_unchanged():
        # ControlFlow builds a default model at import, which it warns about without an OpenAI key; BotArmy gives
        # every agent its own model, so the warning would only mislead.
        logging.getLogger("controlflow.llm.models").setLevel(logging.ERROR)
        return importlib.import_module("agents.controlflow.task")

