"""Stopping the server without failing the runs it cuts short."""

import asyncio
import signal
from typing import Protocol

import uvicorn


class Stoppable(Protocol):
    """The run service of a web process, or a worker."""

    async def shutdown(self) -> None: ...


def interrupt_runs_before_exit(runs: Stoppable) -> None:
    """On SIGTERM/SIGINT, interrupt the runs first (a worker hands them over), then let the web server shut down as
    usual.

    uvicorn drains connections before the app's shutdown hooks run; that would cut the runs' LLM streams and fail
    them with a connection error instead of recording that they were interrupted.
    """
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        server_handler = signal.getsignal(sig)
        if not isinstance(getattr(server_handler, "__self__", None), uvicorn.Server):
            continue  # not under a real uvicorn server (for example NiceGUI's simulated user)

        def handler(signum, frame, forward=server_handler):
            def interrupt() -> None:
                loop.create_task(runs.shutdown()).add_done_callback(lambda _: forward(signum, frame))
            loop.call_soon_threadsafe(interrupt)

        signal.signal(sig, handler)
