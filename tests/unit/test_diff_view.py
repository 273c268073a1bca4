"""How much of a change the page shows: a file's first 2,000 lines, the page's first 20,000, and no more than two
million characters, each line cut at 1,000; the rest is the download's. A small file's diff is made once for every
tab."""

from core.codebase.diff import LineKind
from ui.diff_view import (CACHED_FILE_BYTES, MAX_FILE_LINES, MAX_LINE_CHARS, MAX_PAGE_CHARS, MAX_PAGE_LINES, Room,
                           file_lines)

ADDED = LineKind.ADDED


def test_a_file_shows_its_first_lines_and_the_page_stops_at_its_own_limit():
    room = Room()
    big = [(ADDED, f"+{number}") for number in range(MAX_FILE_LINES + 500)]
    shown = [room.take(big) for _ in range(MAX_PAGE_LINES // MAX_FILE_LINES + 1)]
    assert [len(lines) for lines in shown] == [MAX_FILE_LINES] * (MAX_PAGE_LINES // MAX_FILE_LINES) + [0]
    assert shown[0] == big[:MAX_FILE_LINES]


def test_long_lines_are_cut_and_the_page_stops_at_its_characters():
    room = Room()
    line = (ADDED, "+" + "y" * 10 * MAX_LINE_CHARS)
    shown = room.take([line] * MAX_FILE_LINES)
    assert {text for _, text in shown} == {"+" + "y" * (MAX_LINE_CHARS - 1) + " …"}
    assert len(shown) == MAX_PAGE_CHARS // (MAX_LINE_CHARS + 2) < MAX_FILE_LINES
    assert room.chars < 20 and room.take([(ADDED, "+" + "z" * 19)]) == []  # what is left holds no such line


def test_a_file_that_fits_is_shown_as_its_own_lines_and_one_that_does_not_as_take_cuts_it():
    fits = file_lines("a.py", b"x\n", b"y\n")
    room = Room()
    assert room.take_file(fits) is fits.lines
    assert (room.lines, room.chars) == (MAX_PAGE_LINES - len(fits.lines), MAX_PAGE_CHARS - fits.chars)
    long = file_lines("min.js", None, b"y" * 3 * MAX_LINE_CHARS)
    assert Room().take_file(long) == tuple(Room().take(long.lines)) != long.lines


def test_a_small_file_s_diff_is_made_once_for_every_tab_and_a_large_one_s_each_time():
    assert file_lines("a.py", b"x\n", b"y\n") is file_lines("a.py", b"x\n", b"y\n")
    large = b"z\n" * (CACHED_FILE_BYTES // 2 + 1)
    assert file_lines("b.py", None, large) == file_lines("b.py", None, large)
    assert file_lines("b.py", None, large) is not file_lines("b.py", None, large)
