"""Error bodies of the HTTP API: always `{"detail": "<a sentence for a person>"}`, plus the fields at fault when the
request itself is malformed."""

from fastapi import HTTPException, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from core.domain.inputs import Busy, InputError


class FieldError(BaseModel):
    loc: list[str | int] = Field(description="Where in the request: body, query, path or header, then the field.")
    msg: str
    type: str


class Problem(BaseModel):
    detail: str = Field(description="What went wrong, in a sentence.")
    errors: list[FieldError] | None = Field(None, description="For a malformed request: each field at fault.")


def problem(description: str) -> dict:
    return {"model": Problem, "description": description}


NOT_FOUND = {404: problem("No such run.")}
# FastAPI answers 400 to a body it cannot parse as JSON at all, and 422 to one that does not fit the model; the
# web layer answers 413 to a body over BOTARMY_MAX_REQUEST_BYTES before any route sees it.
BAD_INPUT = {400: problem("The body is not valid JSON."),
             413: problem("The request is larger than the server accepts; `detail` says how large it may be."),
             422: problem("The input cannot be used; `detail` says why.")}


async def validation_problem(_: Request, error: RequestValidationError) -> JSONResponse:
    """FastAPI's 422 in the same shape as every other error, led by a readable sentence."""
    errors = [FieldError(loc=list(item.get("loc", ())), msg=item.get("msg", ""), type=item.get("type", ""))
              for item in error.errors()]
    where = "; ".join(f"{'.'.join(map(str, item.loc[1:])) or item.loc[0]}: {item.msg}" for item in errors[:5])
    body = Problem(detail=f"The request is invalid ({where}).", errors=errors)
    return JSONResponse(body.model_dump(exclude_none=True), status_code=422)


def refused(error: InputError) -> HTTPException:
    """Input the user must change (422), or one of the user's limits reached (429, with when to try again)."""
    if isinstance(error, Busy):
        retry = {"Retry-After": str(max(1, round(error.retry_after)))} if error.retry_after else None
        return HTTPException(429, str(error), headers=retry)
    return HTTPException(422, str(error))
