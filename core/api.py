"""REST API under /api: start a run, list runs, read one run's view, cancel and resume."""

from dataclasses import asdict

from fastapi import APIRouter, HTTPException
from pydantic import BaseModel, Field

from .brief import BriefError
from .runs import RunService


class StartRun(BaseModel):
    brief: str = Field(description="The project brief.")


class RunCreated(BaseModel):
    run_id: str
    url: str


class RunSummary(BaseModel):
    run_id: str
    brief: str
    created_ms: int
    status: str


def api_router(runs: RunService) -> APIRouter:
    router = APIRouter(prefix="/api", tags=["runs"])

    @router.post("/runs", status_code=201, response_model=RunCreated,
                 responses={422: {"description": "The brief cannot start a run; `detail` says why."}})
    async def start_run(body: StartRun) -> RunCreated:
        try:
            run_id = await runs.start(body.brief)
        except BriefError as error:
            raise HTTPException(422, str(error)) from error
        return RunCreated(run_id=run_id, url=f"/runs/{run_id}")

    @router.get("/runs", response_model=list[RunSummary])
    async def list_runs(limit: int = 50, offset: int = 0) -> list[RunSummary]:
        rows = await runs.store.list_runs(limit=max(1, min(limit, 200)), offset=max(0, offset))
        return [RunSummary(**asdict(row)) for row in rows]

    @router.get("/runs/{run_id}", responses={404: {"description": "No such run."}})
    async def get_run(run_id: str) -> dict:
        view = await runs.view(run_id)
        if view is None:
            raise HTTPException(404, "No such run.")
        return {**asdict(view), "tokens": view.tokens, "cost_usd": view.cost_usd}

    @router.post("/runs/{run_id}/cancel", status_code=204, responses={409: {"description": "Not running."}})
    async def cancel_run(run_id: str) -> None:
        if not runs.cancel(run_id):
            raise HTTPException(409, "This run is not running.")

    @router.post("/runs/{run_id}/resume", status_code=204, responses={409: {"description": "Cannot resume."}})
    async def resume_run(run_id: str) -> None:
        if not await runs.resume(run_id):
            raise HTTPException(409, "Only an interrupted, failed or cancelled run can be resumed.")

    return router
