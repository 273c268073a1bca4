"""GET /health: readiness for operators, load balancers and the tests that start the server, per role: the
single process, a web instance or a worker, each with the state of what it depends on."""

from collections.abc import Awaitable, Callable

from fastapi import APIRouter
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from core.settings import OrchestratorName, Role

Check = Callable[[], Awaitable[bool]]


class Health(BaseModel):
    status: str = Field(description="`ok`; `degraded` when a dependency other than the store is down")
    role: Role = Field(description="`single` (one process on SQLite), `web` or `worker`")
    store_writable: bool
    dependencies: dict[str, bool] = Field(description="each dependency (sqlite, postgresql, redis) and whether it "
                                                      "answers")
    active_runs: int
    queued_runs: int
    connected_clients: int
    offline_demo: bool
    orchestrator: OrchestratorName  # BOTARMY_ORCHESTRATOR
    orchestrator_ready: bool  # false while an optional orchestrator still starts (ControlFlow's Prefect server)


def health_router(role: Role, store: Check, others: dict[str, Check], counts: Callable[[], Awaitable[tuple[int, int]]],
                  connected_clients: Callable[[], int], offline_demo: bool, store_name: str,
                  orchestrator: OrchestratorName = OrchestratorName.NATIVE, orchestrator_ready: Callable[[], bool] = lambda: True) -> APIRouter:
    """503 when the store cannot be written (nothing works without it); 200 and `degraded` when another dependency
    is down (Redis: live updates fall back to reading the log)."""
    router = APIRouter()

    @router.get("/health", response_model=Health)
    async def health() -> JSONResponse:
        writable = await store()
        dependencies = {store_name: writable} | {name: await check() for name, check in others.items()}
        try:
            active, queued = await counts()
        except Exception:  # noqa: BLE001 - the counts come from the store, which health already reports on
            active, queued = 0, 0
        status = "ok" if all(dependencies.values()) else "degraded"
        body = Health(status=status, role=role, store_writable=writable, dependencies=dependencies,
                      active_runs=active, queued_runs=queued, connected_clients=connected_clients(),
                      offline_demo=offline_demo, orchestrator=orchestrator, orchestrator_ready=orchestrator_ready())
        return JSONResponse(body.model_dump(), status_code=200 if writable else 503)

    return router
