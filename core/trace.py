"""Where a streamed token's time goes: stage stamps for bench/live_path.py, off unless BOTARMY_BENCH_PAGES is set.

Each part of the live path notes the moment a token passes it, under a key the bench can line up with the stored
events and with what each browser tab saw. Off, a note costs the caller one attribute test (`if TRACE.on:`).
"""

import hashlib
import time
from enum import StrEnum


class Stage(StrEnum):
    SENT = "sent"  # the model's endpoint wrote the chunk (the offline demo model only): agent|brief digest|end
    RECEIVED = "received"  # the agent step got the text from the LLM client: message id|end
    COMMITTED = "committed"  # the transaction holding the event committed, in the writer thread: run id|seq
    FANNED_OUT = "fanned_out"  # the run's live view got the event from the bus: run id|seq
    HANDED = "handed"  # every tab's update up to this event was handed to NiceGUI's outbox: run id|last seq


def brief_digest(brief: str) -> str:
    """Tells apart the streams of runs with different briefs in the demo model's stamps."""
    return hashlib.sha1(brief.encode()).hexdigest()[:12]


class Trace:
    def __init__(self) -> None:
        self.on = False
        self._stamps: list[tuple[str, str, float]] = []

    def note(self, stage: Stage, key: str) -> None:
        self._stamps.append((stage, key, time.time()))

    def drain(self) -> list[tuple[str, str, float]]:
        """The stamps so far (stage, key, Unix time in seconds), forgotten here."""
        stamps, self._stamps = self._stamps, []
        return stamps


TRACE = Trace()
