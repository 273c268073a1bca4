"""The terminal's text is a pure function of the run's view that only ever grows at its end, so a tab that writes
what is new after each event shows exactly what a fresh tab writes at once."""

import random

from core.domain.custom import CommandEnded, CommandOutput, CommandRequested, CommandStarted, custom
from core.domain.events import StoredEvent
from core.domain.fold import apply, fold
from core.domain.status import CommandEnd, CommandOrigin, CommandStatus
from core.domain.terminal import CUT_NOTE, VERIFY_NOTE, terminal_length, terminal_text, text_after
from core.domain.view import RunView


def commands() -> list:
    return [
        custom(CommandRequested(command_id="a", command="python -m pytest -q", origin=CommandOrigin.VERIFY)),
        custom(CommandStarted(command_id="a")),
        custom(CommandOutput(command_id="a", text="\x1b[32m..........\x1b[0m\r\n")),
        custom(CommandOutput(command_id="a", text="10 passed in 0.05s")),
        custom(CommandEnded(command_id="a", status=CommandStatus.PASSED, ending=CommandEnd.EXITED, exit_code=0,
                            message="Exited with code 0 after 0.6 s.")),
        custom(CommandRequested(command_id="b", command="yes")),
        custom(CommandStarted(command_id="b")),
        custom(CommandOutput(command_id="b", text="y\r\n" * 1000)),
        custom(CommandOutput(command_id="b", text="y\r", cut=True)),
        custom(CommandEnded(command_id="b", status=CommandStatus.FAILED, ending=CommandEnd.OUTPUT_LIMIT,
                            message="Stopped after 1.3 s: it printed more than the output limit of 32 MB.")),
    ]


def test_the_text_shows_each_command_its_output_where_it_was_cut_and_how_it_ended():
    text = terminal_text(fold("r", [StoredEvent(run_id="r", seq=n, event=e) for n, e in enumerate(commands(), 1)]))
    assert text.startswith(VERIFY_NOTE + "\x1b[1;36m$\x1b[0m \x1b[1mpython -m pytest -q\x1b[0m\r\n")
    # The footer starts a line of its own after output that did not end one.
    assert "10 passed in 0.05s\r\n\x1b[32m[Exited with code 0 after 0.6 s.]\x1b[0m\r\n\r\n" in text
    assert "y\r" + CUT_NOTE + "\x1b[31m[Stopped after 1.3 s" in text
    assert "\n" not in text.replace("\r\n", "")  # every line ends as a terminal expects


def test_writing_what_is_new_after_each_event_gives_exactly_the_whole_text():
    rng = random.Random(7)
    live, written = RunView(run_id="r"), []
    for seq, event in enumerate(commands(), 1):
        apply(live, StoredEvent(run_id="r", seq=seq, event=event))
        while len("".join(written)) < terminal_length(live):  # in pieces of any size, as a rate limit cuts them
            written.append(text_after(live, len("".join(written)), rng.randint(1, 700)))
    assert "".join(written) == terminal_text(live)
    assert terminal_length(live) == len(terminal_text(live))
    assert text_after(live, terminal_length(live), 100) == ""
