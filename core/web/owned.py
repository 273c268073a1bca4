"""The dependency every route about one run starts with: the run, once it is known to be the caller's."""

from fastapi import Depends, HTTPException

from core.engine.queries import RunQueries

from .access import Caller

NO_SUCH_RUN = "No such run."


def owned_run(queries: RunQueries, caller: Caller):
    async def owned(run_id: str, user: str = Depends(caller)) -> str:
        """Another user's run is a 404, as if it did not exist."""
        if await queries.owned(run_id, user) is None:
            raise HTTPException(404, NO_SUCH_RUN)
        return run_id

    return owned
