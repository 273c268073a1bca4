"""A batch of a command's output becomes events of a bounded size, and the run's copy says where it was cut."""

from core.domain.custom import CommandOutput, payload_of
from core.engine.execution.output import EVENT_CHARS, output_events


def payloads(events) -> list[CommandOutput]:
    return [payload_of(event) for event in events]


def test_a_long_batch_is_split_and_only_its_last_piece_is_marked_cut():
    text = "x" * (2 * EVENT_CHARS + 1)
    pieces = payloads(output_events("c1", text, cut=True))
    assert [len(piece.text) for piece in pieces] == [EVENT_CHARS, EVENT_CHARS, 1]
    assert [piece.cut for piece in pieces] == [False, False, True]
    assert "".join(piece.text for piece in pieces) == text and {piece.command_id for piece in pieces} == {"c1"}


def test_a_cut_with_no_new_text_is_still_recorded():
    assert payloads(output_events("c1", "", cut=True)) == [CommandOutput(command_id="c1", text="", cut=True)]
    assert payloads(output_events("c1", "ok\r\n", cut=False)) == [CommandOutput(command_id="c1", text="ok\r\n")]
