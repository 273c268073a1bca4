"""A TCP proxy that keeps every byte its clients send: put in front of the offline demo model, it shows exactly
what a server sent the model (request lines, headers and bodies, as they went over the wire)."""

import asyncio
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from tests.support.server import free_port


@dataclass
class Recording:
    port: int
    chunks: list[bytes] = field(default_factory=list)

    @property
    def sent(self) -> bytes:
        """Everything the clients sent so far."""
        return b"".join(self.chunks)


async def _pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, keep: list[bytes] | None) -> None:
    try:
        while data := await reader.read(65536):
            if keep is not None:
                keep.append(data)
            writer.write(data)
            await writer.drain()
    except (ConnectionError, OSError):
        pass
    finally:
        writer.close()


@contextmanager
def recording_proxy(backend: int) -> Iterator[Recording]:
    """Listens on a free port of 127.0.0.1 and forwards each connection to `backend`, recording what clients send."""
    recording, loop = Recording(free_port()), asyncio.new_event_loop()
    ready, stopping = threading.Event(), asyncio.Event()

    async def serve(client_reader: asyncio.StreamReader, client_writer: asyncio.StreamWriter) -> None:
        try:
            reader, writer = await asyncio.open_connection("127.0.0.1", backend)
        except OSError:
            client_writer.close()
            return
        try:
            await asyncio.gather(_pipe(client_reader, writer, recording.chunks), _pipe(reader, client_writer, None))
        except asyncio.CancelledError:  # the proxy stops: asyncio's stream callback would report it as an error
            writer.close()
            client_writer.close()

    async def main() -> None:
        server = await asyncio.start_server(serve, "127.0.0.1", recording.port)
        ready.set()
        await stopping.wait()
        server.close()
        connections = asyncio.all_tasks() - {asyncio.current_task()}
        for task in connections:
            task.cancel()
        await asyncio.gather(*connections, return_exceptions=True)
        await server.wait_closed()

    def run() -> None:
        loop.run_until_complete(main())
        loop.close()

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    ready.wait(10)
    try:
        yield recording
    finally:
        loop.call_soon_threadsafe(stopping.set)
        thread.join(5)
