"""How a serving process collects cyclic garbage: its automatic collections walk only what is new, and everything is
walked now and then.

CPython collects its oldest generation whenever that has grown by a quarter, walking every object the process
holds. A process serving a hundred tabs holds a million (NiceGUI's elements, about 6,000 objects a page), and while
its runs stream that generation keeps growing: each such collection stopped the process for 200–480 ms and found a
few hundred objects (bench/RESULTS.md), the longest waits of every viewer. Here what survives a full collection is
frozen (gc.freeze), so the next one walks only what came since (10–40 ms). A closed page's elements are cyclic
garbage, frozen ones too: every FULL_EVERY_S all of it is walked once, and what is garbage by then is freed.
"""

import asyncio
import gc

FULL_EVERY_S = 300


def _freeze_survivors(phase: str, info: dict) -> None:
    if phase == "stop" and info["generation"] == 2:
        gc.freeze()


def collect_all() -> int:
    """One collection of every object, frozen ones too; what survives is frozen again. Returns how many it freed."""
    gc.unfreeze()
    collected = gc.collect()
    gc.freeze()
    return collected


async def collecting(every_s: float = FULL_EVERY_S) -> None:
    """The process's collections as above, until cancelled."""
    gc.callbacks.append(_freeze_survivors)
    try:
        while True:
            await asyncio.sleep(every_s)
            collect_all()
    finally:
        gc.callbacks.remove(_freeze_survivors)
