"""What a run's terminal shows, as a pure function of the run's view.

Each command is a prompt line, its output as it was printed (stdout and stderr interleaved, with their colours),
a note where the output the run keeps was cut, and a line saying how it ended. Commands of a run take turns and
each only grows at its end, so this text only ever grows at its end: a tab writes what is new since its last
position, and a reload, a second tab or a restart writes exactly the same characters.
"""

from bisect import bisect_right
from collections.abc import Iterator

from .status import CommandOrigin, CommandStatus
from .view import CommandView, RunView

CUT_NOTE = ("\r\n\x1b[33m[The output is cut here: the run keeps only its beginning. "
            "Download the whole log under the terminal.]\x1b[0m\r\n")
VERIFY_NOTE = "\x1b[2m# BotArmy runs the project's tests\x1b[0m\r\n"
_STATUS_COLOURS = {CommandStatus.PASSED: "32", CommandStatus.FAILED: "31", CommandStatus.REFUSED: "31",
                   CommandStatus.INTERRUPTED: "33", CommandStatus.TIMEOUT: "33"}


def header(command: CommandView) -> str:
    note = VERIFY_NOTE if command.origin == CommandOrigin.VERIFY else ""
    return f"{note}\x1b[1;36m$\x1b[0m \x1b[1m{command.command}\x1b[0m\r\n"


def footer(command: CommandView) -> str:
    """How the command ended, on a line of its own, and a blank line before the next command; nothing while it
    runs."""
    if command.running:
        return ""
    apart = "" if command.cut or not command.chunks or command.chunks[-1].endswith("\n") else "\r\n"
    return f"{apart}\x1b[{_STATUS_COLOURS.get(command.status, '0')}m[{command.message}]\x1b[0m\r\n\r\n"


def pieces(command: CommandView) -> Iterator[str]:
    yield header(command)
    yield from command.chunks
    if command.cut:
        yield CUT_NOTE
    yield footer(command)


def length(command: CommandView) -> int:
    return (len(header(command)) + command.output_chars + (len(CUT_NOTE) if command.cut else 0)
            + len(footer(command)))


def terminal_length(view: RunView) -> int:
    return sum(length(command) for command in view.commands.values())


def terminal_text(view: RunView) -> str:
    """Everything the terminal shows."""
    return "".join(piece for command in view.commands.values() for piece in pieces(command))


def text_after(view: RunView, position: int, limit: int) -> str:
    """At most `limit` characters of the terminal's text from `position` on: what a tab that has written up to
    `position` writes next. Finding the place costs a step per command and a binary search in its output."""
    parts: list[str] = []
    skip, room = position, limit
    for command in view.commands.values():
        size = length(command)
        if skip >= size:
            skip -= size
            continue
        for piece in _pieces_from(command, skip):
            part = piece[:room]
            parts.append(part)
            room -= len(part)
            if not room:
                return "".join(parts)
        skip = 0
    return "".join(parts)


def _pieces_from(command: CommandView, skip: int) -> Iterator[str]:
    """The command's pieces from `skip` characters into its text on."""
    head = header(command)
    if skip < len(head):
        yield head[skip:]
    skip = max(0, skip - len(head))
    if skip < command.output_chars:
        index = bisect_right(command.chunk_ends, skip)
        start = command.chunk_ends[index] - len(command.chunks[index])
        yield command.chunks[index][skip - start:]
        for later in range(index + 1, len(command.chunks)):
            yield command.chunks[later]
    skip = max(0, skip - command.output_chars)
    for piece in ((CUT_NOTE if command.cut else ""), footer(command)):
        if skip < len(piece):
            yield piece[skip:]
        skip = max(0, skip - len(piece))
