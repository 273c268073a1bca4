"""At most `limit` runs work at once; the others wait in arrival order and are told their place in the queue."""

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager


class RunQueue:
    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.working: set[str] = set()
        self.waiting: list[str] = []
        self._changed = asyncio.Event()

    def _notify(self) -> None:
        self._changed.set()
        self._changed = asyncio.Event()

    def position(self, run_id: str) -> int:
        """0 when the run may work now, else its place in the queue (1 = next)."""
        ahead = self.waiting.index(run_id)
        free = self.limit - len(self.working)
        return 0 if ahead < free else ahead - free + 1

    @asynccontextmanager
    async def turn(self, run_id: str, on_position: Callable[[int], Awaitable[object]]) -> AsyncIterator[None]:
        """Wait for a free slot (calling `on_position` whenever the run's place changes), then hold it."""
        self.waiting.append(run_id)
        told = 0
        try:
            while position := self.position(run_id):
                changed = self._changed  # taken before any await, so no release in between is missed
                if position != told:
                    told = position
                    await on_position(position)
                    continue  # the queue may have moved during the call
                await changed.wait()
        finally:
            self.waiting.remove(run_id)
            self._notify()
        self.working.add(run_id)
        try:
            yield
        finally:
            self.working.discard(run_id)
            self._notify()
