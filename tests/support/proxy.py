"""A TCP proxy in front of web instances, as a load balancer with failover is: each new connection goes to the
first backend that accepts it, so every connection reaches instance A while it lives (one instance per browser, as
cookie affinity gives) and instance B once A is gone."""

import asyncio
import threading
from contextlib import contextmanager

from tests.support.server import free_port


async def _pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, keep: list[bytes] | None = None) -> None:
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
def failover_proxy(backends: list[int], sent: list[bytes] | None = None):
    """Listens on a free port of 127.0.0.1 (yielded) and forwards to the first of `backends` that accepts; `sent`,
    when given, keeps every byte the clients send."""
    port, loop = free_port(), asyncio.new_event_loop()
    ready, stopping = threading.Event(), asyncio.Event()

    async def serve(client_reader: asyncio.StreamReader, client_writer: asyncio.StreamWriter) -> None:
        for backend in backends:
            try:
                reader, writer = await asyncio.open_connection("127.0.0.1", backend)
                break
            except OSError:
                continue
        else:
            client_writer.close()
            return
        try:
            await asyncio.gather(_pipe(client_reader, writer, sent), _pipe(reader, client_writer))
        except asyncio.CancelledError:  # the proxy stops: asyncio's stream callback would report it as an error
            writer.close()
            client_writer.close()

    async def main() -> None:
        server = await asyncio.start_server(serve, "127.0.0.1", port)
        ready.set()
        await stopping.wait()
        server.close()
        connections = asyncio.all_tasks() - {asyncio.current_task()}  # the ones still open
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
        yield port
    finally:
        loop.call_soon_threadsafe(stopping.set)
        thread.join(5)
