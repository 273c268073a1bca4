"""A ceiling on request bodies for every HTTP route: 413 with a sentence, before any route (or login) sees it.

A declared Content-Length is judged before the body is read. A chunked body has no length up front, so it is read
here, up to the limit, and handed on whole: the route never starts on a request that will turn out too large.
"""

import re
from collections.abc import Mapping

from starlette.datastructures import Headers
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send


def human_size(size: int) -> str:
    for unit in ("bytes", "KB", "MB"):
        if size < 1024:
            return f"{size} {unit}" if unit == "bytes" else f"{size:.1f} {unit}"
        size /= 1024
    return f"{size:.1f} GB"


def too_large(limit: int, size: int | None = None) -> JSONResponse:
    detail = (f"The request is {human_size(size)}; the limit is {human_size(limit)}." if size is not None
              else f"The request is larger than the limit of {human_size(limit)}.")
    return JSONResponse({"detail": detail}, status_code=413)


class BodyLimit:
    def __init__(self, app: ASGIApp, *, max_bytes: int, uploads: Mapping[str, int] | None = None) -> None:
        """`uploads`: a larger limit for a multipart POST to the paths these regular expressions match whole (a zip
        of existing code)."""
        self.app = app
        self.max_bytes = max_bytes
        self.uploads = [(re.compile(pattern), limit) for pattern, limit in (uploads or {}).items()]

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        limit = self.max_bytes
        if scope.get("method") == "POST" and headers.get("content-type", "").lower().startswith("multipart/form-data"):
            limit = next((upload for pattern, upload in self.uploads if pattern.fullmatch(scope.get("path", ""))),
                         limit)
        if "content-length" in headers:  # the HTTP server has checked that it is a number and holds the body to it
            declared = int(headers["content-length"])
            if declared > limit:
                await too_large(limit, declared)(scope, receive, send)
                return
            await self.app(scope, receive, send)
            return
        if "transfer-encoding" not in headers:  # no body at all
            await self.app(scope, receive, send)
            return
        body = bytearray()
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                return
            body += message.get("body", b"")
            if len(body) > limit:
                await too_large(limit)(scope, receive, send)
                return
            if not message.get("more_body", False):
                break
        await self.app(scope, _replay(bytes(body), receive), send)


def _replay(body: bytes, receive: Receive) -> Receive:
    """The body read already, then the real channel (where a streaming answer learns that its client left)."""
    pending = True

    async def replayed() -> Message:
        nonlocal pending
        if pending:
            pending = False
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return replayed
