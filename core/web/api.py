"""REST API under /api: runs and their controls, the approval decisions, the history list and the artifacts."""

from collections.abc import AsyncIterator
from contextlib import aclosing
from typing import Literal

from fastapi import APIRouter, Depends, Header, HTTPException, Query, Request, Response
from fastapi.responses import StreamingResponse

from core.codebase.importing import ImportLimits
from core.domain.events import StoredEvent
from core.domain.inputs import InputError, clean_query
from core.domain.project import project_zip
from core.domain.status import AgentStatus, Decision, RunStatus
from core.domain.team import Team
from core.engine.commands import RunOptions, RunService
from core.engine.queries import RunQueries
from core.storage.event_log import MAX_SEQ

from .access import AUTH_ERRORS, Caller
from .owned import owned_run
from .problems import BAD_INPUT, NOT_FOUND, problem, refused
from .schemas import (
    Artifact,
    BudgetBody,
    ChangesRequested,
    DecisionBody,
    Edited,
    Rename,
    RunCreated,
    RunDetail,
    RunList,
    RunSummary,
    UsageReport,
)
from .sse import frame, sse_response
from .start_body import REQUEST_BODY, start_body

BUSY = {429: problem("A limit of the user's is reached (runs at once, starts per minute); `detail` says which.")}
_DECISION_ERRORS = {**NOT_FOUND, 409: problem("No approval is pending."), **BUSY}
_EVENT_STREAM = {200: {"description": "The run's stored events as server-sent events; `id:` is the sequence number.",
                       "content": {"text/event-stream": {}}}}
RunStatusName = Literal[tuple(RunStatus)]


def api_router(runs: RunService, team: Team, caller: Caller,
               import_limits: ImportLimits = ImportLimits()) -> APIRouter:
    """Every route acts for the caller and sees only the caller's runs: another user's run is a 404, as if it did
    not exist. `import_limits`: what a zip of existing code may hold."""
    router = APIRouter(prefix="/api", tags=["runs"], responses={**BAD_INPUT, **AUTH_ERRORS})
    queries = runs.queries

    owned = owned_run(queries, caller)

    async def view_of(run_id: str):
        view = await queries.view(run_id)
        if view is None:  # deleted a moment ago
            raise HTTPException(404, "No such run.")
        return view

    async def command(done, conflict: str) -> None:
        """Run a control command on an owned run: 409 when the run is not in a state that allows it."""
        try:
            accepted = await done()
        except InputError as error:
            raise refused(error) from error
        if not accepted:
            raise HTTPException(409, conflict)

    @router.post("/runs", status_code=201, response_model=RunCreated, responses=BUSY, openapi_extra=REQUEST_BODY)
    async def start_run(request: Request, user: str = Depends(caller)) -> RunCreated:
        """Start a run from a brief (JSON), or from existing code: a multipart form with the brief and the
        project's zip, whose refusals (too large, a path outside the project, not a zip …) are a 422 sentence."""
        try:
            body, project = await start_body(request, import_limits)
            run_id = await runs.start(body.brief, body.approvals, owner=user, project=project, options=RunOptions(
                models=body.models, prompts=body.prompts, soft_budget_usd=body.soft_budget_usd,
                run_tests=body.run_tests))
        except InputError as error:
            raise refused(error) from error
        return RunCreated(run_id=run_id, url=f"/runs/{run_id}")

    @router.get("/runs", response_model=RunList)
    async def list_runs(limit: int = Query(50, ge=1, le=200), offset: int = Query(0, ge=0, le=MAX_SEQ),
                        status: RunStatusName | None = None,
                        q: str | None = Query(None, max_length=200, description="Text in the brief or name."),
                        user: str = Depends(caller)):
        page = await queries.page(user, limit, offset, status=status and RunStatus(status), search=clean_query(q))
        return RunList(runs=[RunSummary.of(row) for row in page.rows], total=page.total, limit=limit, offset=offset)

    @router.get("/runs/{run_id}", response_model=RunDetail, responses=NOT_FOUND)
    async def get_run(run_id: str = Depends(owned)) -> RunDetail:
        return RunDetail.of(await view_of(run_id))

    @router.get("/runs/{run_id}/events", response_class=StreamingResponse, responses={**_EVENT_STREAM, **NOT_FOUND})
    async def run_events(
            run_id: str = Depends(owned),
            after: int = Query(0, ge=0, le=MAX_SEQ, description="Send the events after this sequence number."),
            follow: bool = Query(True, description="Stay open and send new events as they happen."),
            last_event_id: int | None = Header(None, ge=0, le=MAX_SEQ,
                                               description="Set by a reconnecting EventSource; replaces `after`.")):
        start = after if last_event_id is None else last_event_id
        items = queries.follow(run_id, start) if follow else _stored(queries, run_id, start)
        return sse_response(_frames(items))

    @router.patch("/runs/{run_id}", response_model=RunSummary, responses=NOT_FOUND)
    async def rename_run(body: Rename, run_id: str = Depends(owned)) -> RunSummary:
        try:
            await runs.rename(run_id, body.title)
        except InputError as error:
            raise refused(error) from error
        row = await queries.row(run_id)
        if row is None:  # deleted a moment ago
            raise HTTPException(404, "No such run.")
        return RunSummary.of(row)

    @router.delete("/runs/{run_id}", status_code=204, responses=NOT_FOUND)
    async def delete_run(run_id: str = Depends(owned)) -> None:
        if not await runs.delete(run_id):
            raise HTTPException(404, "No such run.")

    async def decide(run_id: str, decision: Decision, interrupt_id: str | None, **details: str) -> None:
        await command(lambda: runs.decide(run_id, decision, interrupt_id=interrupt_id, **details),
                      "This run has no pending approval (it may have been decided already).")

    @router.post("/runs/{run_id}/approve", status_code=204, responses=_DECISION_ERRORS)
    async def approve(body: DecisionBody | None = None, run_id: str = Depends(owned)) -> None:
        await decide(run_id, Decision.APPROVE, body and body.interrupt_id)

    @router.post("/runs/{run_id}/request-changes", status_code=204, responses=_DECISION_ERRORS)
    async def request_changes(body: ChangesRequested, run_id: str = Depends(owned)) -> None:
        await decide(run_id, Decision.REQUEST_CHANGES, body.interrupt_id, feedback=body.feedback)

    @router.post("/runs/{run_id}/edit", status_code=204, responses=_DECISION_ERRORS)
    async def edit(body: Edited, run_id: str = Depends(owned)) -> None:
        await decide(run_id, Decision.EDIT, body.interrupt_id, content=body.content)

    @router.post("/runs/{run_id}/budget", status_code=204,
                 responses={**NOT_FOUND, 409: problem("The run does not wait at its soft budget."), **BUSY})
    async def decide_budget(body: BudgetBody, run_id: str = Depends(owned)) -> None:
        await command(lambda: runs.decide_budget(run_id, body.proceed, add_usd=body.add_usd,
                                                 interrupt_id=body.interrupt_id),
                      "This run does not wait at its soft budget (it may have been answered already).")

    @router.get("/runs/{run_id}/usage", response_model=UsageReport, responses=NOT_FOUND)
    async def usage(run_id: str = Depends(owned)) -> UsageReport:
        return UsageReport.of((await view_of(run_id)).usage)

    @router.post("/runs/{run_id}/pause", status_code=204,
                 responses={**NOT_FOUND, 409: problem("Not running.")})
    async def pause_run(run_id: str = Depends(owned)) -> None:
        await command(lambda: runs.pause(run_id), "This run is not running, or a pause is already pending.")

    @router.post("/runs/{run_id}/cancel", status_code=204,
                 responses={**NOT_FOUND, 409: problem("Not running.")})
    async def cancel_run(run_id: str = Depends(owned)) -> None:
        await command(lambda: runs.cancel(run_id), "This run is not running.")

    @router.post("/runs/{run_id}/resume", status_code=204,
                 responses={**NOT_FOUND, 409: problem("Cannot resume."), **BUSY})
    async def resume_run(run_id: str = Depends(owned)) -> None:
        await command(lambda: runs.resume(run_id),
                      "Only a paused, interrupted, failed or cancelled run can be resumed.")

    @router.post("/runs/{run_id}/retry/{agent}", status_code=204,
                 responses={**NOT_FOUND, 409: problem("The agent has not failed."), **BUSY})
    async def retry_agent(agent: str, run_id: str = Depends(owned)) -> None:
        view = await view_of(run_id)
        conflict = "This agent has not failed, or the run is still working."
        if agent not in view.agents or view.agents[agent].status != AgentStatus.FAILED:
            raise HTTPException(409, conflict)
        await command(lambda: runs.resume(run_id), conflict)

    @router.get("/runs/{run_id}/artifacts", response_model=list[Artifact], responses=NOT_FOUND)
    async def artifacts(run_id: str = Depends(owned)) -> list[Artifact]:
        return [Artifact.of(artifact) for artifact in (await view_of(run_id)).artifacts.values()]

    @router.get("/runs/{run_id}/artifacts.zip", responses={**NOT_FOUND, 200: {"content": {"application/zip": {}}}},
                response_class=Response)
    async def artifacts_zip(run_id: str = Depends(owned)) -> Response:
        name, data = project_zip(await view_of(run_id), team)
        return Response(data, media_type="application/zip",
                        headers={"Content-Disposition": f'attachment; filename="{name}"'})

    @router.api_route("/{path:path}", methods=["GET", "POST", "PUT", "PATCH", "DELETE"], include_in_schema=False)
    async def unknown(path: str) -> None:
        """Any other path under /api answers in JSON too, not with the dashboard's not-found page."""
        raise HTTPException(404, "No such API call: see /docs for the API.")

    return router


async def _stored(queries: RunQueries, run_id: str, after: int) -> AsyncIterator[StoredEvent]:
    for item in await queries.events(run_id, after):
        yield item


async def _frames(items: AsyncIterator[StoredEvent]) -> AsyncIterator[str]:
    async with aclosing(items):  # a client that goes away unsubscribes at once
        async for item in items:
            yield frame(item.event_json(), item.seq)
