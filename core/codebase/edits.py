"""The edits the Developer and the Tester make to existing files: Aider's SEARCH/REPLACE blocks, and whole files.

    src/app/core.py
    ```python
    <<<<<<< SEARCH
    the lines as they are
    =======
    the lines as they should be
    >>>>>>> REPLACE
    ```

A whole file is written as agents write new files today (core.domain.project): a line **File: `path`** and one
fenced block. An empty SEARCH creates a file that does not exist yet.

Matching tolerates the drift models make, as Aider does (aider/coders/editblock_coder.py), in this order: the exact
lines; the lines but for trailing whitespace; the lines but for their indentation (the replacement re-indented the
same way); the SEARCH without blank lines at its ends; `...` lines eliding unchanged code; and a window of lines
close enough (difflib) to be unmistakable. Each step must find its text once: two places is ambiguous, never a
guess. A set of edits applies whole or not at all, and every failure says which edit failed and why, in sentences
for the model's next attempt. Pure functions: no I/O.
"""

import difflib
import re
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum

from .paths import project_path

_HEAD = re.compile(r"^\s*<{5,9} SEARCH>?\s*$")
_DIVIDER = re.compile(r"^\s*={5,9}\s*$")
_UPDATED = re.compile(r"^\s*>{5,9} REPLACE\s*$")
_FILE_HEADER = re.compile(r"^\s*\*\*File:\s*`([^`\n]+)`\*\*")
_FENCE = re.compile(r"^\s*(`{3,}|~{3,})(.*)$")
_ELLIPSIS = re.compile(r"^\s*\.\.\.\s*$")
_LINE = re.compile(r"[^\n]*\n|[^\n]+\Z")

# A window of lines matches a SEARCH no other step found when this share of their lines agree, in order (difflib's
# ratio over lines: one line in five moved or changed), and the SEARCH is long enough for that to mean something.
FUZZY_RATIO = 0.8
FUZZY_MIN_LINES = 5
NEAR_MISS_RATIO = 0.6  # the least alike lines (difflib's ratio of their text) worth showing as meant
_FUZZY_MAX_COMPARISONS = 60_000  # windows compared at most: a large file with a long SEARCH stays fast
_SHOWN_LINES = 30

# Sentences for the model's next attempt: {n} is the edit's number, {path} its file.
MISSING_PATH = "Edit {n}: no file path on the line before its SEARCH block; put the file's path alone on that line."
UNFINISHED = "Edit {n} ({path}): the block has no `{marker}` line; finish every block with `>>>>>>> REPLACE`."
OUTSIDE = "Edit {n}: `{path}` is not a path inside the project."
READ_ONLY = "Edit {n}: `{path}` is kept from you (a binary or secrets file); leave it as it is."
MISSING_FILE = ("Edit {n}: `{path}` does not exist. To create it, leave its SEARCH section empty; to change a file, "
                "use its path as the file map gives it.")
MISSING_FILE_HINT = " Did you mean `{other}`?"
EXISTS = ("Edit {n} ({path}): the SEARCH section is empty but the file exists; quote the lines to replace, or send the "
          "whole file as **File: `{path}`**.")
AMBIGUOUS = ("Edit {n} ({path}): the SEARCH text is found {count} times (lines {lines}); add lines around it so it "
             "matches one place.")
ELLIPSIS_PIECE = ("Edit {n} ({path}): a piece of the SEARCH text between `...` lines is found {count} times in the "
                  "file; each piece must match one place.")
ELLIPSIS_UNPAIRED = ("Edit {n} ({path}): the `...` lines of SEARCH and REPLACE do not pair up; use the same `...` "
                     "lines in both, or quote the lines in full.")
NOT_FOUND = "Edit {n} ({path}): the SEARCH text is not in the file."
NEAR_MISS = " The closest lines are lines {first}–{last}:\n{fence}\n{lines}{fence}"
ALREADY_DONE = " Its REPLACE text is already in the file: if that change is done, drop this edit."
RETRY = ("None of the {total} edits was applied: {failed} failed.\n\n{reasons}\n\nSend all the edits again with "
         "these fixed. Each SEARCH must quote the file's current lines, exactly and enough of them to match one place.")


class FailureReason(StrEnum):
    MALFORMED = "malformed"
    OUTSIDE = "outside"
    READ_ONLY = "read_only"
    MISSING_FILE = "missing_file"
    EXISTS = "exists"
    AMBIGUOUS = "ambiguous"
    NOT_FOUND = "not_found"


class MatchKind(StrEnum):
    """How an edit found its place, from the strictest to the most tolerant."""
    WHOLE_FILE = "whole_file"
    CREATED = "created"
    EXACT = "exact"
    WHITESPACE = "whitespace"
    INDENTATION = "indentation"
    BLANK_LINES = "blank_lines"
    ELISION = "elision"
    FUZZY = "fuzzy"


@dataclass(frozen=True)
class Replace:
    path: str
    search: str
    replace: str


@dataclass(frozen=True)
class WholeFile:
    path: str
    content: str


Edit = Replace | WholeFile


@dataclass(frozen=True)
class EditFailure:
    number: int  # the edit's place in the answer, from 1
    path: str | None
    reason: FailureReason
    sentence: str


class EditsFailed(Exception):
    """Nothing was applied. `prompt` tells the model what to fix."""

    def __init__(self, failures: Sequence[EditFailure], total: int):
        self.failures = tuple(failures)
        self.total = total
        self.prompt = RETRY.format(total=total, failed=len(failures),
                                   reasons="\n\n".join(failure.sentence for failure in failures))
        super().__init__(self.prompt)


@dataclass(frozen=True)
class Applied:
    number: int
    path: str
    match: MatchKind


@dataclass(frozen=True)
class EditResult:
    files: dict[str, str]  # the whole tree after the edits
    changed: tuple[str, ...]  # paths whose content differs from before, sorted
    applied: tuple[Applied, ...]


# --- reading edits from an answer -----------------------------------------------------------------------------------

def parse_edits(answer: str, known_paths: Collection[str] = ()) -> list[Edit]:
    """The edits an answer holds, in order. A block left unfinished raises EditsFailed."""
    lines = answer.replace("\r\n", "\n").split("\n")
    edits: list[Edit] = []
    last_path: str | None = None
    i = 0
    while i < len(lines):
        if _HEAD.match(lines[i]):
            number = len(edits) + 1
            path = _path_before(lines[max(0, i - 3):i], known_paths) or last_path
            if path is None:
                raise EditsFailed([EditFailure(number, None, FailureReason.MALFORMED, MISSING_PATH.format(n=number))],
                                  number)
            search, i = _section(lines, i + 1, (_DIVIDER,), number, path, "=======")
            replace, i = _section(lines, i + 1, (_UPDATED, _DIVIDER), number, path, ">>>>>>> REPLACE")
            edits.append(Replace(path, search, replace))
            last_path = path
        elif header := _FILE_HEADER.match(lines[i]):
            block = _fenced_block(lines, i + 1)
            if block is not None and not any(_HEAD.match(line) for line in lines[block[0]:block[1]]):
                body = "\n".join(lines[block[0]:block[1]])
                edits.append(WholeFile(header.group(1).strip(), body + "\n" if block[1] > block[0] else ""))
                i = block[1]
        i += 1
    return edits


def _section(lines: list[str], start: int, ends: tuple[re.Pattern, ...], number: int, path: str,
             marker: str) -> tuple[str, int]:
    for end in range(start, len(lines)):
        if any(pattern.match(lines[end]) for pattern in ends):
            return "".join(line + "\n" for line in lines[start:end]), end
    raise EditsFailed([EditFailure(number, path, FailureReason.MALFORMED,
                                   UNFINISHED.format(n=number, path=path, marker=marker))], number)


def _fenced_block(lines: list[str], start: int) -> tuple[int, int] | None:
    """The body's first and end line of the fenced block opening at or after `start` (blank lines skipped)."""
    opening = start
    while opening < len(lines) and not lines[opening].strip():
        opening += 1
    fence = _FENCE.match(lines[opening]) if opening < len(lines) else None
    if fence is None:
        return None
    marks = fence.group(1)
    for end in range(opening + 1, len(lines)):
        closing = lines[end].strip()
        if closing and set(closing) == {marks[0]} and len(closing) >= len(marks):
            return opening + 1, end
    return None


def _path_before(lines: list[str], known_paths: Collection[str]) -> str | None:
    """The file path written just before a SEARCH block: on its own line, or after the fence, as models write it."""
    for line in reversed(lines):
        if header := _FILE_HEADER.match(line):
            return header.group(1).strip()
        fence = _FENCE.match(line)
        if fence:
            candidate = fence.group(2).strip()
            if candidate and ("." in candidate or "/" in candidate) and " " not in candidate:
                return candidate
            continue
        candidate = line.strip().rstrip(":").lstrip("#").strip().strip("`*").strip()
        if candidate and (not re.search(r"\s", candidate) or candidate in known_paths):
            return candidate
        return None
    return None


# --- applying them --------------------------------------------------------------------------------------------------

def apply_edits(files: Mapping[str, str], edits: Sequence[Edit], *, read_only: Collection[str] = ()) -> EditResult:
    """The tree after every edit, in order; or EditsFailed, and the tree given is left as it was."""
    tree = dict(files)
    applied: list[Applied] = []
    failures: list[EditFailure] = []
    for number, edit in enumerate(edits, 1):
        outcome = _apply_one(tree, edit, number, read_only)
        if isinstance(outcome, EditFailure):
            failures.append(outcome)
        else:
            applied.append(outcome)
    if failures:
        raise EditsFailed(failures, len(edits))
    changed = tuple(sorted(path for path in tree if files.get(path) != tree[path]))
    return EditResult(tree, changed, tuple(applied))


def _apply_one(tree: dict[str, str], edit: Edit, n: int, read_only: Collection[str]) -> Applied | EditFailure:
    path = project_path(edit.path)
    if path is None:
        return EditFailure(n, edit.path, FailureReason.OUTSIDE, OUTSIDE.format(n=n, path=edit.path))
    if isinstance(edit, Replace) and path not in tree and edit.search.strip():
        path = _unique_suffix_match(tree, path) or path
    if path in read_only:
        return EditFailure(n, path, FailureReason.READ_ONLY, READ_ONLY.format(n=n, path=path))
    if isinstance(edit, WholeFile):
        tree[path] = edit.content
        return Applied(n, path, MatchKind.WHOLE_FILE)
    current = tree.get(path)
    if not edit.search.strip():
        if current is not None and current.strip():
            return EditFailure(n, path, FailureReason.EXISTS, EXISTS.format(n=n, path=path))
        tree[path] = edit.replace
        return Applied(n, path, MatchKind.CREATED)
    if current is None:
        sentence = MISSING_FILE.format(n=n, path=path)
        if close := difflib.get_close_matches(path, list(tree), n=1, cutoff=0.6):
            sentence += MISSING_FILE_HINT.format(other=close[0])
        return EditFailure(n, path, FailureReason.MISSING_FILE, sentence)
    try:
        tree[path], match = replace_text(current, edit.search, edit.replace)
    except _NoPlace as failure:
        return EditFailure(n, path, failure.reason, failure.sentence(n, path))
    return Applied(n, path, match)


def _unique_suffix_match(tree: Mapping[str, str], path: str) -> str | None:
    """`core.py` for `src/app/core.py` when only one file ends so: models shorten paths."""
    found = [known for known in tree if known.endswith("/" + path)]
    return found[0] if len(found) == 1 else None


class _NoPlace(Exception):
    def __init__(self, reason: FailureReason, template: str, extra: str = "", **fields):
        self.reason = reason
        self.template, self.extra, self.fields = template, extra, fields

    def sentence(self, n: int, path: str) -> str:
        return self.template.format(n=n, path=path, **self.fields) + self.extra


def replace_text(content: str, search: str, replace: str) -> tuple[str, MatchKind]:
    """`content` with the one place `search` matches replaced, and how it matched; _NoPlace otherwise."""
    whole, part, new = _lines(content), _lines(search), _lines(replace)
    trimmed = _trim_blank(part)
    for lines, trimmed_kind in ((part, None), (trimmed, MatchKind.BLANK_LINES)):
        if not lines or (trimmed_kind and lines == part):
            continue
        # Indentation is compared after taking off what SEARCH and REPLACE share, so the replacement keeps its shape.
        by = min((_indent_of(line) for line in lines + new if line.strip()), default=0)
        for match, key, wanted, given in ((MatchKind.EXACT, _without_ending, lines, new),
                                          (MatchKind.WHITESPACE, str.rstrip, lines, new),
                                          (MatchKind.INDENTATION, str.strip, _dedent(lines, by), _dedent(new, by))):
            places = _windows(whole, wanted, key, _indented if match is MatchKind.INDENTATION else None)
            if len(places) > 1:
                shown = ", ".join(str(start + 1) for start, _ in places[:5]) + (", …" if len(places) > 5 else "")
                raise _NoPlace(FailureReason.AMBIGUOUS, AMBIGUOUS, count=len(places), lines=shown)
            if places:
                start, prefix = places[0]
                given = [prefix + line if line.strip() else line for line in given]
                return _splice(whole, start, len(lines), given, content), trimmed_kind or match
    if any(_ELLIPSIS.match(line) for line in part):
        return _elided(content, search, replace), MatchKind.ELISION
    if (window := _fuzzy(whole, part)) is not None:
        return _splice(whole, window[0], window[1] - window[0], new, content), MatchKind.FUZZY
    raise _NoPlace(FailureReason.NOT_FOUND, NOT_FOUND, _near_miss(whole, part, replace, content))


def _lines(text: str) -> list[str]:
    return _LINE.findall(text)


def _trim_blank(lines: list[str]) -> list[str]:
    start, end = 0, len(lines)
    while start < end and not lines[start].strip():
        start += 1
    while end > start and not lines[end - 1].strip():
        end -= 1
    return lines[start:end]


def _windows(whole: list[str], part: list[str], key: Callable[[str], str],
             same: Callable[[list[str], list[str]], str | None] | None) -> list[tuple[int, str]]:
    """(start, indentation to add) of every window of `whole` whose lines have the keys of `part`'s, and that `same`
    (when given) accepts."""
    keys, wanted = [key(line) for line in whole], [key(line) for line in part]
    found = []
    for start in range(len(keys) - len(wanted) + 1):
        if keys[start] == wanted[0] and keys[start:start + len(wanted)] == wanted:
            prefix = same(whole[start:start + len(part)], part) if same else ""
            if prefix is not None:
                found.append((start, prefix))
    return found


def _without_ending(line: str) -> str:
    return line.rstrip("\r\n")


def _indented(window: list[str], part: list[str]) -> str | None:
    """The one indentation that, put before every non-blank line of `part`, gives the window."""
    prefixes = set()
    for line, wanted in zip(window, part):
        line, wanted = line.rstrip(), wanted.rstrip()
        if not wanted:
            if line:
                return None
            continue
        if not line.endswith(wanted) or line[:len(line) - len(wanted)].strip():
            return None
        prefixes.add(line[:len(line) - len(wanted)])
    return prefixes.pop() if len(prefixes) == 1 else None


def _indent_of(line: str) -> int:
    return len(line) - len(line.lstrip())


def _dedent(lines: list[str], by: int) -> list[str]:
    return [line[by:] if line.strip() else line for line in lines]


def _splice(whole: list[str], start: int, length: int, new: list[str], content: str) -> str:
    newline = "\r\n" if whole and whole[min(start, len(whole) - 1)].endswith("\r\n") else "\n"
    new = [line.rstrip("\r\n") + newline for line in new]
    text = "".join(whole[:start] + new + whole[start + length:])
    if start + length >= len(whole) and not content.endswith("\n") and text.endswith(newline):
        text = text[:-len(newline)]  # the file had no newline at its end, and still has none
    return text


def _elided(content: str, search: str, replace: str) -> str:
    """SEARCH and REPLACE cut at the same `...` lines: each piece of SEARCH replaced by its piece of REPLACE."""
    searches, replaces = _pieces(search), _pieces(replace)
    if len(searches) != len(replaces) or any(a != b for a, b in zip(searches[1::2], replaces[1::2])):
        raise _NoPlace(FailureReason.NOT_FOUND, ELLIPSIS_UNPAIRED)
    for old, new in zip(searches[::2], replaces[::2]):
        if not old.strip():
            if new.strip():
                raise _NoPlace(FailureReason.NOT_FOUND, ELLIPSIS_UNPAIRED)
            continue
        count = content.count(old)
        if count != 1:
            raise _NoPlace(FailureReason.AMBIGUOUS if count else FailureReason.NOT_FOUND, ELLIPSIS_PIECE, count=count)
        content = content.replace(old, new, 1)
    return content


def _pieces(text: str) -> list[str]:
    """Text between `...` lines, and the `...` lines themselves at odd places."""
    pieces, current = [], []
    for line in _lines(text):
        if _ELLIPSIS.match(line):
            pieces += ["".join(current), line.strip()]
            current = []
        else:
            current.append(line)
    return pieces + ["".join(current)]


def _fuzzy(whole: list[str], part: list[str]) -> tuple[int, int] | None:
    """The one window of lines, one shorter to one longer than SEARCH, whose lines are nearly all SEARCH's in order
    (a line moved, changed or missing); None if there is none, or more than one."""
    if len(part) < FUZZY_MIN_LINES:
        return None
    lengths = [length for length in (len(part) - 1, len(part), len(part) + 1) if length <= len(whole)]
    if sum(len(whole) - length + 1 for length in lengths) > _FUZZY_MAX_COMPARISONS:
        return None
    stripped = [line.strip() for line in whole]
    matcher = difflib.SequenceMatcher(None, autojunk=False)
    matcher.set_seq2([line.strip() for line in part])
    scored = []
    for length in lengths:
        for start in range(len(whole) - length + 1):
            matcher.set_seq1(stripped[start:start + length])
            if matcher.real_quick_ratio() >= FUZZY_RATIO and matcher.quick_ratio() >= FUZZY_RATIO:
                if (ratio := matcher.ratio()) >= FUZZY_RATIO:
                    scored.append((ratio, start, start + length))
    if not scored:
        return None
    scored.sort(reverse=True)
    _, first, end = scored[0]
    rivals = [window for window in scored[1:] if window[2] <= first or window[1] >= end]
    return None if rivals else (first, end)


def _near_miss(whole: list[str], part: list[str], replace: str, content: str) -> str:
    """What to show the model beside "not found": the lines most like its SEARCH, and whether the change is done."""
    extra = ""
    best, best_start = 0.0, -1
    matcher = difflib.SequenceMatcher(None, autojunk=False)
    matcher.set_seq2("\n".join(line.strip() for line in part))
    length = min(len(part), len(whole))
    stripped = [line.strip() for line in whole]
    for start in range(min(len(whole) - length + 1, _FUZZY_MAX_COMPARISONS)):
        matcher.set_seq1("\n".join(stripped[start:start + length]))
        if matcher.real_quick_ratio() > best and matcher.quick_ratio() > best and (ratio := matcher.ratio()) > best:
            best, best_start = ratio, start
    if best >= NEAR_MISS_RATIO:
        shown = whole[best_start:best_start + min(length, _SHOWN_LINES)]
        text = "".join(line.rstrip("\r\n") + "\n" for line in shown)
        extra += NEAR_MISS.format(first=best_start + 1, last=best_start + len(shown), fence=_fence_for(text),
                                  lines=text)
    if replace.strip() and replace.strip() in content:
        extra += ALREADY_DONE
    return extra


def _fence_for(text: str) -> str:
    longest = max((len(run) for run in re.findall(r"`+", text)), default=0)
    return "`" * max(3, longest + 1)


# --- writing edits (the demo model, tests) --------------------------------------------------------------------------

def render_edits(edits: Sequence[Edit]) -> str:
    """The answer text that parse_edits reads back as these edits."""
    blocks = []
    for edit in edits:
        if isinstance(edit, WholeFile):
            fence = _fence_for(edit.content)
            blocks.append(f"**File: `{edit.path}`**\n{fence}\n{_ended(edit.content)}{fence}\n")
        else:
            fence = _fence_for(edit.search + edit.replace)
            blocks.append(f"{edit.path}\n{fence}\n<<<<<<< SEARCH\n{_ended(edit.search)}=======\n"
                          f"{_ended(edit.replace)}>>>>>>> REPLACE\n{fence}\n")
    return "\n".join(blocks)


def _ended(text: str) -> str:
    return text if not text or text.endswith("\n") else text + "\n"
