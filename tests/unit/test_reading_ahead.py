"""A step's events read ahead of their appends (agents.reading): a slow appender gets the text joined, a quick one
event by event, and nothing is lost, reordered or left open."""

import asyncio
from contextlib import aclosing

import pytest

from agents.reading import as_ready
from core.domain.events import TextMessageContentEvent, TextMessageEndEvent, TextMessageStartEvent

WORDS = [f"word{n} " for n in range(60)]


async def answer(pause_s: float, closed: list[str] | None = None, fail_after: int | None = None):
    """Two messages of a step, as run_agent streams them; `closed` learns that the step was closed."""
    try:
        for message in ("a", "b"):
            yield TextMessageStartEvent(message_id=message, role="assistant")
            for n, word in enumerate(WORDS):
                if fail_after is not None and n == fail_after:
                    raise ConnectionError("cut")
                yield TextMessageContentEvent(message_id=message, delta=word)
                await asyncio.sleep(pause_s)
            yield TextMessageEndEvent(message_id=message)
    finally:
        if closed is not None:
            closed.append("closed")


async def take(pause_s: float, appender_s: float) -> list[list]:
    lists = []
    async with aclosing(as_ready(answer(pause_s))) as ready:
        async for events in ready:
            lists.append(events)
            await asyncio.sleep(appender_s)  # the append
    return lists


def text_of(lists: list[list], message: str) -> str:
    return "".join(event.delta for events in lists for event in events
                   if isinstance(event, TextMessageContentEvent) and event.message_id == message)


def kinds(lists: list[list]) -> list[str]:
    """The events' kinds in order, each run of one message's deltas as one."""
    out = []
    for event in (event for events in lists for event in events):
        kind = f"{event.type.value}:{event.message_id}"
        if not (out and out[-1] == kind and isinstance(event, TextMessageContentEvent)):
            out.append(kind)
    return out


def test_an_appender_slower_than_the_model_gets_each_message_s_text_joined_whole_and_in_order():
    lists = asyncio.run(take(pause_s=0, appender_s=0.02))

    contents = [event for events in lists for event in events if isinstance(event, TextMessageContentEvent)]
    assert len(contents) < len(WORDS), "the deltas that came during an append were not joined"
    assert text_of(lists, "a") == text_of(lists, "b") == "".join(WORDS)
    assert kinds(lists) == ["TEXT_MESSAGE_START:a", "TEXT_MESSAGE_CONTENT:a", "TEXT_MESSAGE_END:a",
                            "TEXT_MESSAGE_START:b", "TEXT_MESSAGE_CONTENT:b", "TEXT_MESSAGE_END:b"]
    for events in lists:  # within a list, no message's deltas are left apart
        assert all(not (isinstance(one, TextMessageContentEvent) and isinstance(two, TextMessageContentEvent)
                        and one.message_id == two.message_id) for one, two in zip(events, events[1:]))


def test_an_appender_that_keeps_up_gets_the_events_one_by_one():
    lists = asyncio.run(take(pause_s=0.005, appender_s=0))

    contents = [event.delta for events in lists for event in events if isinstance(event, TextMessageContentEvent)]
    assert contents == WORDS + WORDS  # none joined: each came alone


def test_a_step_s_error_is_raised_after_the_events_before_it_and_the_step_is_closed():
    async def main() -> tuple[list, list[str]]:
        closed, lists = [], []
        with pytest.raises(ConnectionError):
            async with aclosing(as_ready(answer(0, closed, fail_after=10))) as ready:
                async for events in ready:
                    lists.append(events)
                    await asyncio.sleep(0.01)
        return lists, closed

    lists, closed = asyncio.run(main())

    assert text_of(lists, "a") == "".join(WORDS[:10])
    assert closed == ["closed"]


def test_leaving_the_events_early_stops_reading_the_step_and_closes_it():
    async def main() -> list[str]:
        closed: list[str] = []
        async with aclosing(as_ready(answer(0.005, closed))) as ready:
            async for _ in ready:
                break
        return closed

    assert asyncio.run(main()) == ["closed"]
