"""A command's output on its way from the reader thread to the run's log.

Every byte goes to the command's log file (the whole output, up to the log limit, after which the command is
stopped). The part the run keeps is decoded as UTF-8 (a character split between two reads is joined first) and
waits here for the next batch; past the kept limit, only the file grows and the run notes where its copy ends.
"""

import codecs
import threading
from pathlib import Path


class CommandOutput:
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
