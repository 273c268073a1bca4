"""Reading pytest's output: the counts of its summary line whatever its colours, and the verdict's sentences."""

from core.domain.verdict import Counts, failed_sentence, passed_sentence, plain, pytest_counts, tail


def test_counts_come_from_the_last_summary_line_with_or_without_colours_and_rules():
    coloured = "\x1b[32m.\x1b[0m\x1b[31mF\x1b[0m\r\n\x1b[31m1 failed\x1b[0m, \x1b[32m9 passed\x1b[0m\x1b[31m in 0.12s\x1b[0m"
    assert pytest_counts(coloured) == Counts(passed=9, failed=1)
    assert pytest_counts("==== 2 errors, 1 skipped, 3 warnings in 1.01s ====") == Counts(errors=2, skipped=1)
    assert pytest_counts("3 passed in 0.1s\n1 error in 0.2s") == Counts(errors=1)  # the last run counts
    assert pytest_counts("Traceback (most recent call last):\nKeyboardInterrupt") is None


def test_sentences_say_what_failed_of_how_many():
    assert passed_sentence(Counts(passed=10)) == "All 10 tests passed."
    assert failed_sentence(Counts(passed=9, failed=1), "") == "1 of 10 tests failed."
    assert failed_sentence(Counts(passed=5, failed=1, errors=2), "") == "1 of 8 tests failed and 2 could not run."
    assert failed_sentence(None, "Exited with code 4.") == "The tests did not pass. Exited with code 4."


def test_the_tail_is_plain_text_from_the_start_of_a_line():
    assert plain("50%\r100%\r\n\x1b]0;title\x07done\x1b[0m") == "100%\ndone"
    long = "\n".join(f"line {n}" for n in range(1000))
    assert tail(long, 50).splitlines()[0].startswith("line ") and tail(long, 50).endswith("line 999")

