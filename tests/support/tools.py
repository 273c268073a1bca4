"""Command-line tools the tests run, from this interpreter's environment rather than from PATH, so that the suite
works under an interpreter whose environment is not activated (`.venv/bin/python -m pytest`)."""

import sys

_RUN = ("import sys; from importlib.metadata import entry_points; name = sys.argv[0] = {name!r}; "
        "sys.exit(entry_points(group='console_scripts')[name].load()())")


def tool(name: str) -> list[str]:
    """The command that runs the console script `name` (schemathesis, lint-imports) of this environment."""
    return [sys.executable, "-c", _RUN.format(name=name)]
