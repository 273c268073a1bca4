"""Group commit: writes that arrive while a transaction is in flight wait, and go in the next one together.

A store hands `GroupCommit` the coroutine function that writes a batch in one transaction; callers `submit` their
write and await its own result, which they get only once the transaction holding it committed. Under load many
writers share one commit and one hop to the writer thread; alone, a write starts at once. A batch whose transaction
fails fails every write in it, and none of them is seen.
"""

import asyncio
from collections.abc import Awaitable, Callable
from typing import Generic, TypeVar

Write = TypeVar("Write")
Result = TypeVar("Result")


class GroupCommit(Generic[Write, Result]):
    def __init__(self, commit: Callable[[list[Write]], Awaitable[list[Result]]]) -> None:
        """`await commit(batch)` returns one result per write, in order, or raises."""
        self._commit = commit
        self._waiting: list[tuple[Write, asyncio.Future[Result]]] = []
        self._in_flight: asyncio.Task | None = None

    async def submit(self, write: Write) -> Result:
        done: asyncio.Future[Result] = asyncio.get_running_loop().create_future()
        self._waiting.append((write, done))
        if self._in_flight is None:
            self._start()
        return await done

    def _start(self) -> None:
        batch, self._waiting = self._waiting, []
        # A task of its own: a caller that stops waiting does not stop the batch its write is in.
        self._in_flight = asyncio.create_task(self._run(batch), name="group-commit")

    async def _run(self, batch: list[tuple[Write, asyncio.Future[Result]]]) -> None:
        try:
            outcome: list | BaseException = await self._commit([write for write, _ in batch])
        except BaseException as error:  # noqa: BLE001 - handed to every caller of the batch
            outcome = error
        for index, (_, done) in enumerate(batch):
            if done.cancelled():
                continue  # its caller stopped waiting; the write stands, as a cancelled await of a thread's does
            if isinstance(outcome, BaseException):
                done.set_exception(outcome)
            else:
                done.set_result(outcome[index])
        self._in_flight = None
        if self._waiting:
            self._start()
