"""A command line: one line of printable text of a bounded length; its shell metacharacters are the sandbox's
business, not the input's."""

import pytest

from core.domain.inputs import (
    CONTROL_IN_COMMAND,
    EMPTY_COMMAND,
    MAX_COMMAND_CHARS,
    MULTILINE_COMMAND,
    InputError,
    clean_command,
)


@pytest.mark.parametrize(("command", "refusal"), [
    ("", EMPTY_COMMAND), ("   \t ", EMPTY_COMMAND), (None, EMPTY_COMMAND), (42, EMPTY_COMMAND),
    ("ls\nrm -rf /workspace", MULTILINE_COMMAND), ("ls\rclear", MULTILINE_COMMAND),
    ("echo \x1b]0;title\x07", CONTROL_IN_COMMAND), ("echo \x00", CONTROL_IN_COMMAND),
    ("echo \ud800", CONTROL_IN_COMMAND),
    ("x" * 100_000, f"The command is 100,000 characters long; the limit is {MAX_COMMAND_CHARS:,}."),
])
def test_unusable_commands_are_refused_with_a_sentence(command, refusal):
    with pytest.raises(InputError) as refused:
        clean_command(command)
    assert str(refused.value) == refusal


def test_a_command_with_shell_metacharacters_is_one_line_and_stays_as_typed():
    line = """  echo "$HOME" `id` $(whoami); cat /etc/passwd | head -1 > out && rm -rf / || true &  """
    assert clean_command(line) == line.strip()
    assert clean_command("printf 'a\tb'") == "printf 'a\tb'"
