"""A TCP proxy that keeps every byte its clients send: put in front of the offline demo model, it shows exactly
what a server sent the model (request lines, headers and bodies, as they went over the wire)."""

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from tests.support.proxy import failover_proxy


@dataclass
class Recording:
    port: int = 0
    chunks: list[bytes] = field(default_factory=list)

    @property
    def sent(self) -> bytes:
        """Everything the clients sent so far."""
        return b"".join(self.chunks)


@contextmanager
def recording_proxy(backend: int) -> Iterator[Recording]:
    """Listens on a free port of 127.0.0.1 and forwards each connection to `backend`, recording what clients send."""
    recording = Recording()
    with failover_proxy([backend], recording.chunks) as port:
        recording.port = port
        yield recording
