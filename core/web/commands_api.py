"""REST calls for commands in a run's workspace: run one, interrupt it, download its whole output. The output
itself arrives on the run's event stream (GET /api/runs/{id}/events) like everything else the run does."""

import re

from fastapi import APIRouter, Depends, HTTPException
from fastapi.responses import FileResponse

from core.domain.inputs import InputError
from core.engine.execution import CommandInProgress, UserCommands
from core.engine.queries import RunQueries

from .access import AUTH_ERRORS, Caller
from .owned import owned_run
from .problems import BAD_INPUT, NOT_FOUND, problem, refused
from .schemas import CommandAccepted, CommandBody

NO_SUCH_COMMAND = "No such command in this run."
NOT_RUNNING = "This command is not running any more (or is being stopped already)."
_COMMAND_ID = re.compile(r"[0-9a-f]{32}")


def commands_router(queries: RunQueries, execution: UserCommands, caller: Caller) -> APIRouter:
    router = APIRouter(prefix="/api", tags=["commands"], responses={**BAD_INPUT, **AUTH_ERRORS})
    owned = owned_run(queries, caller)

    def accepted(run_id: str, command_id: str) -> CommandAccepted:
        return CommandAccepted(command_id=command_id, log_url=f"/api/runs/{run_id}/commands/{command_id}/log")

    @router.post("/runs/{run_id}/commands", status_code=202, response_model=CommandAccepted, responses={
        **NOT_FOUND, 409: problem("A command is already running in this run's workspace."),
        429: problem("The server runs as many commands as it allows at once.")})
    async def run_command(body: CommandBody, run_id: str = Depends(owned)) -> CommandAccepted:
        """Run a command in the run's workspace, in the sandbox; its output and its end arrive as the run's
        events."""
        try:
            command_id = await execution.start(run_id, body.command)
        except CommandInProgress as busy:
            raise HTTPException(409, str(busy)) from busy
        except InputError as error:
            raise refused(error) from error
        return accepted(run_id, command_id)

    @router.post("/runs/{run_id}/commands/{command_id}/interrupt", status_code=202, response_model=CommandAccepted,
                 responses={**NOT_FOUND, 409: problem("The command is not running.")})
    async def interrupt_command(command_id: str, run_id: str = Depends(owned)) -> CommandAccepted:
        """As Ctrl-C: SIGINT to the command's process group, SIGKILL 2 s later if it is still running."""
        if await queries.command(run_id, command_id) is None:
            raise HTTPException(404, NO_SUCH_COMMAND)
        if not await execution.interrupt(run_id, command_id):
            raise HTTPException(409, NOT_RUNNING)
        return accepted(run_id, command_id)

    @router.get("/runs/{run_id}/commands/{command_id}/log", response_class=FileResponse,
                responses={**NOT_FOUND, 200: {"content": {"text/plain": {}},
                                              "description": "Everything the command printed, as it printed it."}})
    async def command_log(command_id: str, run_id: str = Depends(owned)) -> FileResponse:
        path = execution.log_path(run_id, command_id) if _COMMAND_ID.fullmatch(command_id) else None
        if path is None:
            raise HTTPException(404, NO_SUCH_COMMAND)
        return FileResponse(path, media_type="text/plain; charset=utf-8",
                            filename=f"command-{command_id}.log", content_disposition_type="attachment")

    return router
