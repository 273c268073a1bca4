"""A command's output on its way from the reader thread to the run's log.

Every byte goes to the command's log file (the whole output, up to the log limit, after which the command is
stopped). The part the run keeps is decoded as UTF-8 (a character split between two reads is joined first) and
waits in the buffer for the next batch; past the kept limit, only the file grows and the run notes where its copy
ends. The pump takes what waits to the run's log as COMMAND_OUTPUT events, at most BATCH_S after it was printed.
"""

import asyncio
import codecs
import threading
from pathlib import Path

from core.domain.custom import CommandOutput, custom
from core.domain.events import CustomEvent

from ..context import Emit

BATCH_S = 0.05  # output reaches the log at most this long after it was printed
EVENT_CHARS = 65536  # the most output one event carries
TAIL_BYTES = 16384  # the end of the log a caller gets back, to read a verdict from


class OutputBuffer:
    def __init__(self, log_path: Path, keep_chars: int, log_bytes: int, on_ready) -> None:
        """`on_ready()` is called from the reader thread when new text waits and none did before."""
        self._log = open(log_path, "wb", buffering=0)  # noqa: SIM115 - closed by close()
        self._decoder = codecs.getincrementaldecoder("utf-8")("replace")
        self._lock = threading.Lock()
        self._pending: list[str] = []
        self._kept = 0
        self._cut_pending = False
        self._signalled = False
        self.keep_chars, self.log_bytes = keep_chars, log_bytes
        self.total_bytes = 0
        self.cut = False
        self._on_ready = on_ready

    def write(self, data: bytes) -> bool:
        """The sandbox's sink (reader thread); False once the whole output passes the log limit."""
        room = self.log_bytes - self.total_bytes
        if room > 0:
            self._log.write(data[:room])
        self.total_bytes += len(data)
        if not self.cut:
            self._keep(self._decoder.decode(data))
        return self.total_bytes <= self.log_bytes

    def _keep(self, text: str) -> None:
        if not text:
            return
        with self._lock:
            room = self.keep_chars - self._kept
            if len(text) > room:
                text, self.cut, self._cut_pending = text[:room], True, True
            self._kept += len(text)
            if text:
                self._pending.append(text)
            signal, self._signalled = not self._signalled, True
        if signal:
            self._on_ready()

    def take(self) -> tuple[str, bool]:
        """The text waiting for the next batch, and whether the run's copy of the output ends with it."""
        with self._lock:
            text, cut = "".join(self._pending), self._cut_pending
            self._pending, self._cut_pending, self._signalled = [], False, False
        return text, cut

    def close(self) -> None:
        """No more output: what the decoder still holds (an incomplete character) is kept too."""
        if not self.cut:
            self._keep(self._decoder.decode(b"", final=True))
        self._log.close()


class Pump:
    """Takes a command's output to the run's log in batches until the command ended and nothing waits."""

    def __init__(self, command_id: str, emit: Emit) -> None:
        self.command_id, self.emit = command_id, emit
        self._loop = asyncio.get_running_loop()
        self._ready, self._finished = asyncio.Event(), asyncio.Event()

    def ready(self) -> None:
        """Text waits (called from the reader thread)."""
        self._loop.call_soon_threadsafe(self._ready.set)

    def finish(self) -> None:
        """The command ended: one last batch, then `run` returns."""
        self._finished.set()
        self._ready.set()

    async def run(self, output: OutputBuffer) -> None:
        while not self._finished.is_set():
            await self._ready.wait()
            self._ready.clear()
            await self._batch(output)
            await asyncio.sleep(BATCH_S)
        await self._batch(output)

    async def _batch(self, output: OutputBuffer) -> None:
        text, cut = output.take()
        if text or cut:
            await self.emit(*output_events(self.command_id, text, cut))


def output_events(command_id: str, text: str, cut: bool) -> list[CustomEvent]:
    """One batch as events of at most EVENT_CHARS each; `cut` marks the last."""
    pieces = [text[start:start + EVENT_CHARS] for start in range(0, len(text), EVENT_CHARS)] or [""]
    return [custom(CommandOutput(command_id=command_id, text=piece, cut=cut and n == len(pieces) - 1))
            for n, piece in enumerate(pieces)]


def log_tail(path: Path) -> str:
    """The end of a command's log file (TAIL_BYTES), decoded; empty when it cannot be read."""
    try:
        with open(path, "rb") as log_file:
            log_file.seek(0, 2)
            log_file.seek(max(0, log_file.tell() - TAIL_BYTES))
            return log_file.read().decode(errors="replace")
    except OSError:
        return ""
