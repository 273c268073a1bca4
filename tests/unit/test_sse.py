"""SSE framing and keep-alive comments while a stream is idle."""

import asyncio

from core.web.sse import KEEPALIVE, frame, with_keepalive


def test_frames_are_lf_only_with_the_sequence_number_as_id():
    assert frame('{"a":1}', 7) == 'id: 7\ndata: {"a":1}\n\n'
    assert frame("{}") == "data: {}\n\n"


async def test_an_idle_stream_sends_keepalives_and_closes_its_source_when_the_client_goes():
    closed, idle = asyncio.Event(), asyncio.Event()

    async def slow():
        try:
            yield "first"
            await idle.wait()  # idle until the client has had its keep-alives, however slowly the machine runs
            yield "second"
            await asyncio.Event().wait()  # nothing more, ever
        finally:
            closed.set()

    stream = with_keepalive(slow(), seconds=0.1)
    received = [await anext(stream) for _ in range(4)]
    assert received[0] == "first"
    assert received[1:3] == [KEEPALIVE, KEEPALIVE]
    idle.set()
    while received[-1] != "second":
        received.append(await anext(stream))
    await stream.aclose()  # the client went away
    assert closed.is_set()


async def test_a_finished_source_ends_the_stream():
    async def two():
        yield "a"
        yield "b"

    assert [item async for item in with_keepalive(two(), seconds=5)] == ["a", "b"]
