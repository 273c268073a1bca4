"""REST calls for a project's revisions: ask for a change, list the revisions, read a revision's (or a step's) diff,
download the project with its git history, restore an earlier revision, push the history to a remote."""

import asyncio

from fastapi import APIRouter, Depends, HTTPException, Query, Response
from fastapi.responses import PlainTextResponse

from core.codebase.history import HistoryError
from core.codebase.project_history import commit_diff, history_of, revision_diff
from core.domain.inputs import InputError
from core.domain.project import slug
from core.domain.revisions import revision_tags
from core.domain.view import RunView
from core.engine.commands import RunService
from core.engine.revisions import NO_REVISION, NoSuchRevision, RevisionConflict

from .access import AUTH_ERRORS, Caller
from .owned import NO_SUCH_RUN, owned_run
from .problems import BAD_INPUT, NOT_FOUND, problem, refused
from .revision_schemas import (
    ChangeRequest,
    PushAccepted,
    PushBody,
    RestoreBody,
    RevisionAccepted,
    RevisionDetail,
    revision_details,
)

NO_SUCH_COMMIT = "This revision has no commit {commit}."
NOT_TAGGED = "Revision {revision} has no files to download yet: it is still working, or made no commit."
NO_FILES = "The project has no files yet."
PUSHING = "The push has begun; its result arrives in the run's events as push_finished."
_BUSY = {429: problem("A limit of the user's is reached (runs at once); `detail` says which.")}
_CONFLICT = {409: problem("The run is working or waits for the user: finish or cancel the current revision first.")}
_ZIP = {200: {"content": {"application/zip": {}}, "description": "The project's files with its `.git` folder."}}
_DIFF = {200: {"content": {"text/plain": {}}, "description": "Unified diff text, as git shows it."}}


def revisions_router(runs: RunService, caller: Caller) -> APIRouter:
    router = APIRouter(prefix="/api", tags=["revisions"], responses={**BAD_INPUT, **AUTH_ERRORS})
    queries = runs.queries
    owned = owned_run(queries, caller)

    async def view_of(run_id: str) -> RunView:
        view = await queries.view(run_id)
        if view is None:  # deleted a moment ago
            raise HTTPException(404, NO_SUCH_RUN)
        return view

    async def begun(started) -> RevisionAccepted:
        try:
            revision = await started
        except RevisionConflict as conflict:
            raise HTTPException(409, str(conflict)) from conflict
        except NoSuchRevision as missing:
            raise HTTPException(404, str(missing)) from missing
        except InputError as error:
            raise refused(error) from error
        if revision is None:
            raise HTTPException(404, NO_SUCH_RUN)
        return RevisionAccepted(revision=revision)

    @router.post("/runs/{run_id}/revisions", status_code=202, response_model=RevisionAccepted,
                 responses={**NOT_FOUND, **_CONFLICT, **_BUSY})
    async def request_change(body: ChangeRequest, run_id: str = Depends(owned)) -> RevisionAccepted:
        """Begin the next revision of a run at rest (completed, failed, cancelled or interrupted): the agents work
        on the project's files as they stand."""
        return await begun(runs.revise(run_id, body.request))

    @router.get("/runs/{run_id}/revisions", response_model=list[RevisionDetail], responses=NOT_FOUND)
    async def revisions(run_id: str = Depends(owned)) -> list[RevisionDetail]:
        return revision_details(await view_of(run_id))

    # Response, not PlainTextResponse: the route's class would be the documented type of its JSON errors too.
    @router.get("/runs/{run_id}/revisions/{revision}/diff", response_class=Response,
                responses={**NOT_FOUND, **_DIFF})
    async def diff(revision: int, run_id: str = Depends(owned),
                   commit: str | None = Query(None, max_length=64, description="A commit of the revision: its "
                                                                                "own changes only.")) -> Response:
        view = await view_of(run_id)
        found = view.project.revision_of(revision)
        if found is None:
            raise HTTPException(404, NO_REVISION.format(revision=revision))
        if commit is None:
            return PlainTextResponse(revision_diff(view, found))
        step = next((item for item in view.project.commits if item.commit == commit and item.revision == revision),
                    None)
        if step is None:
            raise HTTPException(404, NO_SUCH_COMMIT.format(commit=commit))
        return PlainTextResponse(commit_diff(step))

    @router.get("/runs/{run_id}/zip", response_class=Response,
                responses={**NOT_FOUND, **_ZIP, 409: problem("The project has no files yet.")})
    async def project_zip(run_id: str = Depends(owned),
                          revision: int | None = Query(None, ge=1, le=1_000_000,
                                                       description="The revision; the files as they stand without "
                                                                   "it.")) -> Response:
        view = await view_of(run_id)
        if revision is not None and view.project.revision_of(revision) is None:
            raise HTTPException(404, NO_REVISION.format(revision=revision))
        if revision is not None and revision not in revision_tags(view):
            raise HTTPException(404, NOT_TAGGED.format(revision=revision))
        if not view.project.commits:
            raise HTTPException(409, NO_FILES)
        folder = slug(view.brief)
        try:
            data = await asyncio.to_thread(lambda: history_of(view).zip(folder, revision))
        except HistoryError as error:
            raise HTTPException(409, str(error)) from error
        name = f"{folder}-revision-{revision}.zip" if revision is not None else f"{folder}.zip"
        return Response(data, media_type="application/zip",
                        headers={"Content-Disposition": f'attachment; filename="{name}"'})

    @router.post("/runs/{run_id}/restore", status_code=202, response_model=RevisionAccepted,
                 responses={**NOT_FOUND, **_CONFLICT, **_BUSY})
    async def restore(body: RestoreBody, run_id: str = Depends(owned)) -> RevisionAccepted:
        """Begin a revision whose files are the given revision's, byte for byte; its tests run, no agent works."""
        return await begun(runs.restore(run_id, body.revision))

    @router.post("/runs/{run_id}/push", status_code=202, response_model=PushAccepted, responses=NOT_FOUND)
    async def push(body: PushBody, run_id: str = Depends(owned)) -> PushAccepted:
        """Push the project's history (every commit, and a tag per revision) to a git remote, in the background."""
        try:
            accepted = await runs.push(run_id, body.url, body.branch, body.token)
        except InputError as error:
            raise refused(error) from error
        if not accepted:
            raise HTTPException(404, NO_SUCH_RUN)
        return PushAccepted(detail=PUSHING)

    return router
