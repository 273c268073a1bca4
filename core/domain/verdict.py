"""Reading a test run: the counts in pytest's summary line, the output without its colours, and the sentences of
the verdict."""

import re
from dataclasses import dataclass

# CSI sequences (colours, cursor moves), OSC sequences (titles, links) and two-character escapes.
_ESCAPES = re.compile(r"\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)|\x1b[@-Z\\-_]")
# "1 failed, 9 passed, 2 warnings in 0.12s", with or without the ===== rule around it.
_SUMMARY = re.compile(r"^=*\s*((?:\d+ [a-z]+(?:, )?)+) in [\d.]+s", re.MULTILINE)
_COUNT = re.compile(r"(\d+) ([a-z]+)")

TESTS_STOPPED = "The tests were stopped before they finished."
STOPPED_BY_USER = "The tests were stopped by you before they finished."
NO_TESTS = "The project has no tests to run."
NO_TESTS_YET = "The Tester wrote no test files, so there are no tests to run."
TAIL_CHARS = 4000


@dataclass(frozen=True)
class Counts:
    passed: int = 0
    failed: int = 0
    errors: int = 0
    skipped: int = 0

    @property
    def total(self) -> int:
        return self.passed + self.failed + self.errors


def plain(text: str) -> str:
    """Terminal output as plain text: no escape sequences, and lines that a carriage return redrew only once."""
    lines = _ESCAPES.sub("", text).replace("\r\n", "\n").split("\n")
    return "\n".join(line.rsplit("\r", 1)[-1] for line in lines)


def tail(text: str, chars: int = TAIL_CHARS) -> str:
    """The end of the output as plain text, from the start of a line."""
    text = plain(text).rstrip()
    if len(text) <= chars:
        return text
    cut = text[-chars:]
    return cut[cut.find("\n") + 1:] if "\n" in cut else cut


def pytest_counts(output: str) -> Counts | None:
    """The counts of pytest's last summary line; None when the output has none (it did not get that far)."""
    matches = _SUMMARY.findall(plain(output))
    if not matches:
        return None
    found: dict[str, int] = {}
    for number, word in _COUNT.findall(matches[-1]):
        found[word] = found.get(word, 0) + int(number)
    return Counts(passed=found.get("passed", 0), failed=found.get("failed", 0),
                  errors=found.get("error", 0) + found.get("errors", 0), skipped=found.get("skipped", 0))


def _tests(count: int) -> str:
    return "1 test" if count == 1 else f"{count} tests"


def passed_sentence(counts: Counts | None) -> str:
    return f"All {_tests(counts.passed)} passed." if counts and counts.passed else "The tests passed."


def failed_sentence(counts: Counts | None, ending: str) -> str:
    """`ending`: how the test command ended, in a sentence, for when pytest printed no summary."""
    if counts is None or not (counts.failed or counts.errors):
        return f"The tests did not pass. {ending}"
    of_all = f" of {_tests(counts.total)}"
    parts = [f"{counts.failed}{of_all} failed"] if counts.failed else []
    if counts.errors:
        parts.append(f"{counts.errors}{'' if parts else of_all} could not run")
    return " and ".join(parts) + "."
