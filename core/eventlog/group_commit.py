"""Group commit: writes that arrive while a transaction is in flight wait, and go in the next one together.

A store hands `GroupCommit` the function that writes a batch in one transaction; callers `submit` their write and
await its own result, which they get only once the transaction holding it committed. Under load many writers
share one commit and one hop to the writer thread; alone, a write starts at once. A batch whose transaction fails
fails every write in it, and none of them is seen.
"""

import asyncio
from collections.abc import Callable
from concurrent.futures import Executor
from typing import Generic, TypeVar

Write = TypeVar("Write")
Result = TypeVar("Result")


class GroupCommit(Generic[Write, Result]):
    def __init__(self, commit: Callable[[list[Write]], list[Result]], executor: Executor) -> None:
        """`commit(batch)` runs on `executor` and returns one result per write, in order, or raises."""
        self._commit = commit
        self._executor = executor
        self._waiting: list[tuple[Write, asyncio.Future[Result]]] = []
        self._in_flight = False

    async def submit(self, write: Write) -> Result:
        loop = asyncio.get_running_loop()
        done: asyncio.Future[Result] = loop.create_future()
        self._waiting.append((write, done))
        if not self._in_flight:
            self._start(loop)
        return await done

    def _start(self, loop: asyncio.AbstractEventLoop) -> None:
        batch, self._waiting = self._waiting, []
        self._in_flight = True
        self._executor.submit(self._run, loop, batch)

    def _run(self, loop: asyncio.AbstractEventLoop, batch: list) -> None:
        """In the writer thread: one transaction for the whole batch, then back to the event loop once."""
        try:
            outcome: list | BaseException = self._commit([write for write, _ in batch])
        except BaseException as error:  # noqa: BLE001 - handed to every caller of the batch
            outcome = error
        loop.call_soon_threadsafe(self._finish, loop, batch, outcome)

    def _finish(self, loop: asyncio.AbstractEventLoop, batch: list, outcome: list | BaseException) -> None:
        for index, (_, done) in enumerate(batch):
            if done.cancelled():
                continue  # its caller stopped waiting; the write stands, as a cancelled await of a thread's does
            if isinstance(outcome, BaseException):
                done.set_exception(outcome)
            else:
                done.set_result(outcome[index])
        self._in_flight = False
        if self._waiting:
            self._start(loop)
