"""Changes as the page shows them: a section per changed file (UI contract `diff-file`, with data-path and
data-change) holding its unified diff a line per element, coloured by kind (`diff_lines.js`). The diff is hostile
text, so its lines reach the browser as data and become text nodes, never HTML. What one file shows, and what the
page shows in all, is capped, so a huge change never freezes the page: the rest is in the diff's download."""

import functools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from nicegui import ui
from nicegui.element import Element

from core.codebase.diff import diff_lines, unified_diff
from core.domain.files import ChangedFile

from .props import set_visible

MAX_FILE_LINES = 2_000  # of one file's diff on the page
MAX_PAGE_LINES = 20_000  # of all the files' diffs on the page
MAX_LINE_CHARS = 1_000  # of one line: a minified file's line of megabytes shows its start
MAX_PAGE_CHARS = 2_000_000  # of all the lines on the page
CUT = "This file's diff has {total:,} lines; the page shows the first {shown:,}."
NOT_SHOWN = "This file's diff is not shown: the page shows so much of the changes at most."
LONG_LINES = "Lines longer than {limit:,} characters are cut short (…) here."
DOWNLOAD = "Download the whole diff"
NO_CHANGES = "This revision changed no file."
ELLIPSIS = " …"
CACHED_FILES = 256  # diffs kept for every tab, of files of at most CACHED_FILE_BYTES (before and after together)
CACHED_FILE_BYTES = 64 * 1024


class DiffLines(Element, component="diff_lines.js"):
    def __init__(self, lines: Sequence[tuple[str, str]]) -> None:
        super().__init__()
        # A tuple of tuples of strings: NiceGUI wraps every list in a prop in an observable, inner ones too, and
        # socket.io walks lists for binary data; a line each, in every tab, whenever a commit redraws the diff, that
        # was an eighth of the server's CPU with 100 viewers over 10 runs.
        self.props["lines"] = tuple(lines)


@dataclass(frozen=True)
class FileLines:
    """A file's diff as the page shows it: each line's kind and text."""

    lines: tuple[tuple[str, str], ...]
    chars: int  # of all its lines
    long: bool  # a line is longer than MAX_LINE_CHARS


@dataclass
class Room:
    """What the page has left to show."""

    lines: int = MAX_PAGE_LINES
    chars: int = MAX_PAGE_CHARS

    def take(self, lines: Sequence[tuple[str, str]]) -> list[tuple[str, str]]:
        """The lines of a file's diff the page shows: its first ones, as many as fit, each cut at MAX_LINE_CHARS."""
        shown = []
        for kind, text in lines[:min(MAX_FILE_LINES, self.lines)]:
            text = text if len(text) <= MAX_LINE_CHARS else text[:MAX_LINE_CHARS] + ELLIPSIS
            if len(text) > self.chars:
                break
            self.chars -= len(text)
            shown.append((kind, text))
        self.lines -= len(shown)
        return shown

    def take_file(self, diff: FileLines) -> tuple[tuple[str, str], ...]:
        """`take` of the file's lines; the file's own tuple when all of it fits, as most do."""
        if not diff.long and len(diff.lines) <= min(MAX_FILE_LINES, self.lines) and diff.chars <= self.chars:
            self.lines -= len(diff.lines)
            self.chars -= diff.chars
            return diff.lines
        return tuple(self.take(diff.lines))


class FileDiffs:
    """Each changed file with its diff from `before` to `after`, in a column; showing other changes makes again only
    the files that show something else: a commit redraws the diff in every tab of its run, and most of its files did
    not change."""

    def __init__(self) -> None:
        self.none = ui.label(NO_CHANGES).classes("text-caption text-grey-8")
        self.column = ui.column().classes("w-full gap-2")
        self._shown: dict[tuple, Element] = {}  # by what each shows, in the column's order

    def show(self, changes: Sequence[ChangedFile], before: Mapping[str, bytes], after: Mapping[str, bytes],
             download: str) -> None:
        """`download`: the URL of the whole diff as text."""
        set_visible(self.none, not changes)
        room = Room()
        wanted = []
        for change in changes:
            diff = file_lines(change.path, before.get(change.path), after.get(change.path))
            wanted.append((change.path, str(change.change), diff, room.take_file(diff), download))
        shown = self._shown
        for key in shown.keys() - set(wanted):
            shown.pop(key).delete()
        with self.column:
            for key in wanted:
                if key not in shown:
                    shown[key] = _file(*key)  # at the end: moved to its place below
        order = self.column.default_slot.children  # as moving changes it
        for index, key in enumerate(wanted):
            if order[index] is not shown[key]:
                shown[key].move(target_index=index)
        self._shown = {key: shown[key] for key in wanted}


def _file(path: str, change: str, diff: FileLines, shown: Sequence[tuple[str, str]], download: str) -> Element:
    long_lines = diff.long and any(len(text) > MAX_LINE_CHARS for _, text in diff.lines[:len(shown)])
    with ui.column().classes("w-full gap-0") as file:
        file.props.update({"data-testid": "diff-file", "data-path": path, "data-change": change})
        ui.label(f"{change}: {path}").classes("text-body2 text-weight-medium")
        if shown:
            DiffLines(shown).classes("w-full")
        if len(shown) < len(diff.lines) or long_lines:
            sentences = [CUT.format(total=len(diff.lines), shown=len(shown)) if shown else NOT_SHOWN] \
                if len(shown) < len(diff.lines) else []
            sentences += [LONG_LINES.format(limit=MAX_LINE_CHARS)] if long_lines else []
            with ui.row().classes("items-center gap-2").props("data-testid=diff-cut"):
                ui.label(" ".join(sentences)).classes("text-caption text-grey-8")
                ui.link(DOWNLOAD, download, new_tab=True).classes("text-caption")
    return file


def file_lines(path: str, before: bytes | None, after: bytes | None) -> FileLines:
    """A file's diff; a small file's is made once for every tab of the process (each tab of a run redraws its diff
    when a commit lands), a large one's each time, so that what is kept stays small."""
    if len(before or b"") + len(after or b"") <= CACHED_FILE_BYTES:
        return _cached_lines(path, before, after)
    return _lines(path, before, after)


def _lines(path: str, before: bytes | None, after: bytes | None) -> FileLines:
    lines = tuple((str(kind), text) for kind, text in diff_lines(unified_diff(
        {path: before} if before is not None else {}, {path: after} if after is not None else {})))
    return FileLines(lines, sum(len(text) for _, text in lines), any(len(text) > MAX_LINE_CHARS for _, text in lines))


# Hashing a file's bytes to find its diff costs a small part of making it.
_cached_lines = functools.lru_cache(maxsize=CACHED_FILES)(_lines)
