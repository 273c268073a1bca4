"""How a serving process collects cyclic garbage: its automatic collections walk only what is new, and everything is
walked when pages have closed, or now and then.

CPython collects its oldest generation whenever that has grown by a quarter, walking every object the process
holds. A process serving a hundred tabs holds a million (NiceGUI's elements, about 6,000 objects a page), and while
its runs stream and its tabs open that generation keeps growing: each such collection stopped the process for
200–480 ms and found a few hundred objects (bench/RESULTS.md), the longest waits of every viewer. Here what survives
a full collection is frozen (gc.freeze), so the next one walks only what came since (10–40 ms). A closed page's
elements are cyclic garbage, frozen ones too: everything is walked again, and what is garbage by then freed, once
FULL_AFTER_CLOSED pages have closed, or FULL_EVERY_S after the last time.
"""

import asyncio
import gc

FULL_EVERY_S = 300
FULL_AFTER_CLOSED = 100


def collect_all() -> int:
    """One collection of every object, frozen ones too; what survives is frozen again. Returns how many it freed."""
    gc.unfreeze()
    collected = gc.collect()
    gc.freeze()
    return collected


class Collections:
    """The process's collections as above, while `run` runs; `closed` says a page has closed (in the event loop)."""

    def __init__(self, every_s: float = FULL_EVERY_S, after_closed: int = FULL_AFTER_CLOSED) -> None:
        self.every_s, self.after_closed = every_s, after_closed
        self._closed = 0
        self._enough_closed = asyncio.Event()

    def closed(self) -> None:
        self._closed += 1
        if self._closed >= self.after_closed:
            self._enough_closed.set()

    async def run(self) -> None:
        gc.callbacks.append(_freeze_survivors)
        try:
            while True:
                try:
                    await asyncio.wait_for(self._enough_closed.wait(), self.every_s)
                except TimeoutError:
                    pass
                self._closed = 0
                self._enough_closed.clear()
                collect_all()
        finally:
            gc.callbacks.remove(_freeze_survivors)


def _freeze_survivors(phase: str, info: dict) -> None:
    if phase == "stop" and info["generation"] == 2:
        gc.freeze()
