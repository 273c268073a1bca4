"""Reading a step's events ahead of appending them, so that a run that falls behind its model catches up.

Appending an event costs the process the same however long its text (a transaction, a fold, every viewer's update),
and a model streams a token a chunk. Read one by one, each token waits for the last one's append; when the process
is busy (many runs, many viewers), its runs fall ever further behind their streams. Read ahead in a task of their
own, the events are handed over as everything that came while the last were appended, with adjacent text of one
message joined: when the process keeps up, that is one event at a time, as before; when it does not, its appends
grow fewer and longer instead of later.
"""

import asyncio
from collections.abc import AsyncGenerator, AsyncIterator
from contextlib import aclosing
from itertools import groupby

from core.domain.events import Event, TextMessageContentEvent


async def as_ready(events: AsyncGenerator[Event]) -> AsyncIterator[list[Event]]:
    """`events`, read in a task of their own, in lists of all that came since the last list was taken (never
    empty), adjacent text deltas of one message joined. An error of `events` is raised after the events before it;
    closing this closes `events`."""
    ready: asyncio.Queue[Event | _Ended] = asyncio.Queue()

    async def read() -> None:
        try:
            async with aclosing(events):
                async for event in events:
                    ready.put_nowait(event)
        except Exception as error:  # noqa: BLE001 - handed over to be raised where the events are taken
            ready.put_nowait(_Ended(error))
        else:
            ready.put_nowait(_Ended(None))

    reader = asyncio.create_task(read())
    try:
        while True:
            taken = [await ready.get()]
            while not ready.empty():
                taken.append(ready.get_nowait())
            end = taken.pop() if isinstance(taken[-1], _Ended) else None
            if taken:
                yield joined(taken)
            if end is not None:
                if end.error is not None:
                    raise end.error
                return
    finally:
        reader.cancel()
        await asyncio.gather(reader, return_exceptions=True)


def joined(events: list[Event]) -> list[Event]:
    """`events` with each run of text deltas of one message as one delta."""
    out: list[Event] = []
    for message_id, run in groupby(events, _text_of):
        run = list(run)
        if message_id is None or len(run) == 1:
            out += run
        else:
            out.append(run[0].model_copy(update={"delta": "".join(event.delta for event in run)}))
    return out


def _text_of(event: Event) -> str | None:
    """The message whose text `event` streams; None: it streams none."""
    return event.message_id if isinstance(event, TextMessageContentEvent) else None


class _Ended:
    def __init__(self, error: Exception | None) -> None:
        self.error = error
