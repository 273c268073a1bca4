"""GET /health: readiness for operators and for the tests that start the server."""

from collections.abc import Callable

from fastapi import APIRouter
from fastapi.responses import JSONResponse
from pydantic import BaseModel

from core.engine.commands import RunService


class Health(BaseModel):
    status: str
    store_writable: bool
    active_runs: int
    queued_runs: int
    connected_clients: int
    offline_demo: bool
    orchestrator: str  # BOTARMY_ORCHESTRATOR
    orchestrator_ready: bool  # false while an optional orchestrator still starts (ControlFlow's Prefect server)


def health_router(runs: RunService, connected_clients: Callable[[], int], offline_demo: bool,
                  orchestrator: str = "native", orchestrator_ready: Callable[[], bool] = lambda: True) -> APIRouter:
    router = APIRouter()

    @router.get("/health", response_model=Health)
    async def health() -> JSONResponse:
        writable = await runs.queries.writable()
        body = Health(status="ok" if writable else "degraded", store_writable=writable,
                      active_runs=runs.active_runs, queued_runs=runs.queued_runs,
                      connected_clients=connected_clients(), offline_demo=offline_demo,
                      orchestrator=orchestrator, orchestrator_ready=orchestrator_ready())
        return JSONResponse(body.model_dump(), status_code=200 if writable else 503)

    return router
