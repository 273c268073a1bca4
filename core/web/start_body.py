"""The body of POST /api/runs: the brief as JSON, or a multipart form with the brief and a zip of existing code,
which is read as hostile input (core.codebase.importing) before anything is kept."""

import asyncio
import json

from fastapi import HTTPException, Request
from fastapi.exceptions import RequestValidationError
from pydantic import ValidationError
from starlette.datastructures import UploadFile
from starlette.formparsers import MultiPartException

from core.codebase.importing import ImportedProject, ImportLimits, ImportRefused, read_project_zip
from core.domain.inputs import InputError

from .schemas import StartRun

WRONG_TYPE = ("Send the brief as JSON, such as {\"brief\": \"...\"}, or as a multipart form with the brief in `brief` "
              "and a zip of the project in `project`.")
NO_BRIEF = "The form's `brief` field must hold the project brief as text."
NO_ZIP = "The form's `project` field must be the zip file of the project."
BAD_FORM = "The multipart form cannot be read: {reason}"
UNREADABLE = "The body cannot be read as JSON: it is not UTF-8 text, or it nests too deep."
_FORM_PARTS = 5

# The two bodies the operation takes, for its OpenAPI schema (the route reads the body itself, so they are given
# here, not found by FastAPI).
REQUEST_BODY = {"requestBody": {"required": True, "content": {
    "application/json": {"schema": StartRun.model_json_schema()},
    "multipart/form-data": {"schema": {
        "type": "object", "required": ["brief", "project"],
        "properties": {"brief": {"type": "string", "description": "The change the agents make to the project."},
                       "approvals": {"type": "string", "description": "As `approvals` of the JSON body."},
                       "project": {"type": "string", "format": "binary",
                                   "description": "A zip of the project's existing code."}}}}}}}


async def start_body(request: Request, limits: ImportLimits) -> tuple[StartRun, ImportedProject | None]:
    """The start's choices, and the imported project when a zip came with them; InputError (or the validation
    error of a malformed JSON body) otherwise."""
    content_type = request.headers.get("content-type", "").split(";", 1)[0].strip().lower()
    if content_type == "multipart/form-data":
        return await _form(request, limits)
    if content_type not in ("", "application/json"):
        raise InputError(WRONG_TYPE)
    body = await request.body()
    # Parsed as FastAPI parses a JSON body (the standard library's parser, which keeps a lone surrogate for the
    # brief's cleaning to drop): malformed JSON is a 422, bytes that are not UTF-8 or nest too deep a 400.
    try:
        value = json.loads(body) if body else None
    except json.JSONDecodeError as error:
        raise RequestValidationError([{"type": "json_invalid", "loc": ("body", error.pos), "msg": "JSON decode error",
                                       "input": {}, "ctx": {"error": error.msg}}]) from None
    except (ValueError, RecursionError):
        raise HTTPException(400, UNREADABLE) from None
    try:
        return StartRun.model_validate(value), None
    except ValidationError as invalid:
        raise RequestValidationError([{**error, "loc": ("body", *error["loc"])}
                                      for error in invalid.errors(include_url=False)]) from None


async def _form(request: Request, limits: ImportLimits) -> tuple[StartRun, ImportedProject]:
    try:
        async with request.form(max_files=1, max_fields=_FORM_PARTS) as form:
            brief, approvals, upload = form.get("brief"), form.get("approvals"), form.get("project")
            if not isinstance(brief, str) or not isinstance(approvals, str | None):
                raise InputError(NO_BRIEF)
            if not isinstance(upload, UploadFile):
                raise InputError(NO_ZIP)
            data = await upload.read(limits.zip_bytes + 1)
    except MultiPartException as error:
        raise InputError(BAD_FORM.format(reason=error.message)) from None
    try:
        project = await asyncio.to_thread(read_project_zip, data, limits)
    except ImportRefused as refused:
        raise HTTPException(422, str(refused)) from None
    return StartRun(brief=brief, approvals=approvals), project
