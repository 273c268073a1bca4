"""Server-sent event streams: LF framing (AG-UI's JS client rejects CRLF) and a comment line while nothing
happens, so proxies keep an idle stream open and a vanished client is noticed."""

import asyncio
from collections.abc import AsyncIterator

from fastapi.responses import StreamingResponse

KEEPALIVE = ": keep-alive\n\n"


def frame(data: str, event_id: int | None = None) -> str:
    head = f"id: {event_id}\n" if event_id is not None else ""
    return f"{head}data: {data}\n\n"


async def with_keepalive(frames: AsyncIterator[str], seconds: float) -> AsyncIterator[str]:
    """Yield the frames, and KEEPALIVE after every `seconds` without one."""
    pending: asyncio.Task | None = None
    try:
        while True:
            pending = pending or asyncio.ensure_future(anext(frames))
            done, _ = await asyncio.wait({pending}, timeout=seconds)
            if not done:
                yield KEEPALIVE
                continue
            try:
                item = pending.result()
            except StopAsyncIteration:
                return
            finally:
                pending = None
            yield item
    finally:
        if pending is not None:
            pending.cancel()
            await asyncio.gather(pending, return_exceptions=True)
        await frames.aclose()


def sse_response(frames: AsyncIterator[str], keepalive_seconds: float = 15) -> StreamingResponse:
    return StreamingResponse(with_keepalive(frames, keepalive_seconds), media_type="text/event-stream",
                             headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"})
