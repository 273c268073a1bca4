"""The run header's sentence for states that are neither plain working nor finished."""

from core.domain.view import RunView
from ui.run_header import ordinal, state_note


def test_queue_pause_and_paused_each_say_what_happens_next():
    assert state_note(RunView(run_id="r")) == ""
    assert state_note(RunView(run_id="r", queue_position=2)).startswith("Waiting for a free slot: 2nd in the queue")
    assert "Pausing after the current agent" in state_note(RunView(run_id="r", pause_requested=True))
    assert state_note(RunView(run_id="r", status="paused")).startswith("Paused. Resume continues")
    assert state_note(RunView(run_id="r", status="cancelled", pause_requested=True)) == ""
    assert [ordinal(n) for n in (1, 2, 3, 4, 11, 12, 13, 21, 22, 101)] == [
        "1st", "2nd", "3rd", "4th", "11th", "12th", "13th", "21st", "22nd", "101st"]
