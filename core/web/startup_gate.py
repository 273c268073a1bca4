"""Requests wait until the process has closed what the last one left unfinished.

A web framework's start-up hooks run beside the first requests, not before them: right after a restart, a page or the
API would show a run the stopped process left working as still running, and a resume would be refused, until the
recovery got to it.
"""

import asyncio
from collections.abc import Awaitable, Callable

from starlette.types import ASGIApp, Receive, Scope, Send

Step = Callable[[], Awaitable[None]]


class StartupGate:
    """Opens once `steps` ran (or one failed: the server then serves as it is, and the failure is logged by the
    caller's framework). HTTP and WebSocket requests wait for it; the server's own lifespan does not."""

    def __init__(self, *steps: Step) -> None:
        self._steps = steps
        self._open = asyncio.Event()

    async def run(self) -> None:
        try:
            for step in self._steps:
                await step()
        finally:
            self._open.set()

    async def opened(self) -> None:
        await self._open.wait()


class WaitForStart:
    """The middleware that holds requests at the gate."""

    def __init__(self, app: ASGIApp, *, gate: StartupGate) -> None:
        self.app, self.gate = app, gate

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "lifespan":
            await self.gate.opened()
        await self.app(scope, receive, send)
