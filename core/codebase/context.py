"""What a revision sends the model instead of the whole project: a map of the files, and the files that matter to
the change request, packed within a token budget.

The map lists every file with its size and top-level names (Python's through `ast`; other text's by simple
patterns); binary and secrets files are listed as such, never shown. The files are ranked by how the request's
words meet their paths, names and contents (rarer words weigh more), followed by the tests of the chosen modules
and the README (a request that names nothing gets the entry points, and the packages' __init__.py with the modules
beside it that it imports), and taken in that order while they fit. Tokens are estimated at four characters each,
as the LLM client estimates them.
"""

import ast
import math
import re
from collections import Counter
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from enum import StrEnum
from pathlib import PurePosixPath

from .content import Withheld, text_of, withheld

CHARS_PER_TOKEN = 4
DEFAULT_BUDGET = 12_000  # tokens
MAX_NAMES = 12  # top-level names listed per file in the map
PACKAGE_INIT = "__init__.py"
ENTRY_POINTS = ("main.py", "__main__.py", "app.py", "cli.py", "index.js", "index.ts", "main.go", "main.rs")
_STOP_WORDS = frozenset(
    "the and for with that this from into then than when what which where there their them they its also are was "
    "were been being have has had not but all any can could should would will shall may might must each every some "
    "such only other more most very too just like make makes made add adds added use uses using new please want need "
    "file files code project change changes update support able way get set test tests testing".split())
_WORD = re.compile(r"[A-Za-z][A-Za-z0-9]*")
_CAMEL = re.compile(r"[A-Z]+(?=[A-Z][a-z])|[A-Z]?[a-z]+|[A-Z]+|[0-9]+")
_DEFINITION = re.compile(
    r"^(?:export\s+)?(?:default\s+)?(?:pub(?:\([a-z]+\))?\s+)?(?:async\s+)?"
    r"(?:function\*?|class|def|fn|func|struct|enum|trait|interface|type|const|let|var|module|object)\s+"
    r"([A-Za-z_$][\w$]*)", re.MULTILINE)
_HEADING = re.compile(r"^#{1,3}\s+(.+?)\s*#*\s*$", re.MULTILINE)
_CONSTANT = re.compile(r"^[A-Z][A-Z0-9_]*$")
_RELATIVE_IMPORT = re.compile(r"^\s*from \.(\w+)? import ([\w, ]+)", re.MULTILINE)

MAP_TITLE = "Files of the project (path, size, top-level names):"
MAP_TEXT_LINE = "- {path} ({lines:,} line{plural}, {bytes:,} bytes){names}"
MAP_WITHHELD_LINE = {
    Withheld.BINARY: "- {path} (binary, {bytes:,} bytes: not shown)",
    Withheld.SECRET: "- {path} (secrets file, {bytes:,} bytes: never shown)",
}
MAP_MORE = "- … and {count:,} more files"
FILES_TITLE = "The files that matter to this request, as they are now:"
SUMMARY = "{files} of {budget:,} tokens"


class Reason(StrEnum):
    """Why a file was chosen."""
    MATCH = "match"  # the request's words meet its path, names or content
    TEST = "test"  # it tests a chosen module
    README = "readme"
    ENTRY = "entry"  # an entry point or a package's __init__.py, shown when the request names nothing


@dataclass(frozen=True)
class MapEntry:
    path: str
    lines: int
    bytes: int
    names: tuple[str, ...]
    withheld: Withheld | None


@dataclass(frozen=True)
class Chosen:
    path: str
    tokens: int
    reason: Reason


@dataclass(frozen=True)
class Context:
    text: str  # what goes into the prompt: the map, then the chosen files
    files: tuple[Chosen, ...]
    map_tokens: int  # the map and the headings
    budget: int

    @property
    def total(self) -> int:
        return self.map_tokens + sum(chosen.tokens for chosen in self.files)

    @property
    def summary(self) -> str:
        """For the card: "4 files, 3,120 of 12,000 tokens"."""
        count = len(self.files)
        files = f"{count} file{'s' if count != 1 else ''}, {self.total:,}"
        return SUMMARY.format(files=files, budget=self.budget)


def estimate_tokens(text: str) -> int:
    return max(1, len(text) // CHARS_PER_TOKEN) if text else 0


def file_map(files: Mapping[str, bytes], kept_back: Collection[str] = ()) -> list[MapEntry]:
    """Every file with its size and top-level names; `kept_back` are withheld as secrets whatever they hold."""
    entries = []
    for path, data in sorted(files.items()):
        reason = Withheld.SECRET if path in kept_back else withheld(path, data)
        text = None if reason else text_of(data)
        lines = text.count("\n") + (not text.endswith("\n")) if text else 0
        entries.append(MapEntry(path, lines, len(data), top_level_names(path, text) if text else (), reason))
    return entries


def top_level_names(path: str, text: str) -> tuple[str, ...]:
    """The classes, functions and constants a file defines at its top level, as the map shows them."""
    if path.endswith(".py"):
        try:
            return _python_names(ast.parse(text))[:MAX_NAMES]
        except (SyntaxError, ValueError, RecursionError):
            pass
    if path.lower().endswith((".md", ".rst", ".txt")):
        return tuple(heading.strip() for heading in _HEADING.findall(text))[:MAX_NAMES]
    return tuple(dict.fromkeys(_DEFINITION.findall(text)))[:MAX_NAMES]


def _python_names(tree: ast.Module) -> tuple[str, ...]:
    names = []
    for node in tree.body:
        if isinstance(node, ast.ClassDef):
            names.append(f"class {node.name}")
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            names.append(f"def {node.name}")
        elif isinstance(node, (ast.Assign, ast.AnnAssign)):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            names += [target.id for target in targets if isinstance(target, ast.Name) and _CONSTANT.match(target.id)]
    return tuple(names)


def render_map(entries: list[MapEntry], with_names: bool = True, limit: int | None = None) -> str:
    lines = [MAP_TITLE]
    for entry in entries[:limit]:
        if entry.withheld:
            lines.append(MAP_WITHHELD_LINE[entry.withheld].format(path=entry.path, bytes=entry.bytes))
        else:
            names = f": {', '.join(entry.names)}" if with_names and entry.names else ""
            plural = "" if entry.lines == 1 else "s"
            lines.append(MAP_TEXT_LINE.format(path=entry.path, lines=entry.lines, plural=plural, bytes=entry.bytes,
                                              names=names))
    if limit is not None and len(entries) > limit:
        lines.append(MAP_MORE.format(count=len(entries) - limit))
    return "\n".join(lines) + "\n"


def select_context(files: Mapping[str, bytes], request: str, budget: int = DEFAULT_BUDGET,
                   kept_back: Collection[str] = ()) -> Context:
    """The map and the files that matter to `request`, within `budget` tokens (the map takes at most half)."""
    entries = file_map(files, kept_back)
    head = _fitting_map(entries, budget // 2) + f"\n{FILES_TITLE}\n\n"
    shown = {entry.path: text_of(files[entry.path]) for entry in entries if entry.withheld is None}
    remaining = budget - _tokens(head)
    chosen, blocks = [], []
    for path, reason in _ranked(shown, {entry.path: entry.names for entry in entries}, request):
        block = file_block(path, shown[path]) + "\n"
        if (tokens := _tokens(block)) <= remaining:
            chosen.append(Chosen(path, tokens, reason))
            blocks.append(block)
            remaining -= tokens
    return Context(head + "".join(blocks), tuple(chosen), _tokens(head), budget)


def _tokens(piece: str) -> int:
    """A piece's estimate rounded up, so the pieces' sum is never below the estimate of the text they make."""
    return -(-len(piece) // CHARS_PER_TOKEN)


def file_block(path: str, text: str) -> str:
    """A file as the agents write files: **File: `path`** and one fenced block."""
    longest = max((len(run) for run in re.findall(r"`{3,}", text)), default=0)
    fence = "`" * max(3, longest + 1)
    body = text if not text or text.endswith("\n") else text + "\n"
    return f"**File: `{path}`**\n{fence}\n{body}{fence}\n"


def _fitting_map(entries: list[MapEntry], tokens: int) -> str:
    """The map with names; without them if too long; then cut to the files that fit."""
    for with_names in (True, False):
        text = render_map(entries, with_names)
        if _tokens(text) <= tokens:
            return text
    limit = len(entries)
    while limit > 0 and _tokens(text := render_map(entries, False, limit)) > tokens:
        limit = limit * 3 // 4
    return text


def _ranked(shown: Mapping[str, str], names: Mapping[str, tuple[str, ...]], request: str) -> list[tuple[str, Reason]]:
    """Paths in the order they should be sent, each once."""
    wanted = _request_terms(request)
    contents = {path: Counter(_terms(text)) for path, text in shown.items()}
    df = Counter(term for counts in contents.values() for term in counts)
    total = len(shown) + 1
    scores = {}
    for path in shown:
        path_terms, name_terms = set(_terms(path)), set(_terms(" ".join(names[path])))
        score = 0.0
        for term in wanted:
            weight = math.log(total / (df[term] + 1)) + 1
            score += weight * (3 * (term in path_terms) + 2 * (term in name_terms) + math.log1p(contents[path][term]))
        if score > 0:
            scores[path] = score
    tests = {path: text for path, text in shown.items() if _is_test(path)}
    order: dict[str, Reason] = {}
    for path in sorted(scores, key=lambda path: (-scores[path], path)):
        order.setdefault(path, Reason.MATCH)
        if path not in tests:
            for test in _tests_of(path, tests):
                order.setdefault(test, Reason.TEST)
    if not scores:  # the entry points, and what each Python package offers (its __init__.py and what it imports)
        for path in sorted(shown, key=lambda path: (len(PurePosixPath(path).parts), path)):
            if PurePosixPath(path).name in ENTRY_POINTS + (PACKAGE_INIT,) and not _is_test(path):
                order.setdefault(path, Reason.ENTRY)
                for module in _relative_imports(path, shown):
                    order.setdefault(module, Reason.ENTRY)
    for path in sorted(shown, key=lambda path: (len(PurePosixPath(path).parts), path)):
        if PurePosixPath(path).stem.lower() == "readme":
            order.setdefault(path, Reason.README)
            break
    return list(order.items())


def _relative_imports(path: str, shown: Mapping[str, str]) -> list[str]:
    """The modules beside a Python file that it imports (`from .ops import add`, `from . import ops`)."""
    if not path.endswith(".py"):
        return []
    folder = PurePosixPath(path).parent
    modules = [name for match in _RELATIVE_IMPORT.finditer(shown[path])
               for name in ([match.group(1)] if match.group(1) else re.findall(r"\w+", match.group(2)))]
    return [str(folder / f"{name}.py") for name in modules if str(folder / f"{name}.py") in shown]


def _request_terms(request: str) -> set[str]:
    return {term for term in _terms(request) if len(term) > 2 and term not in _STOP_WORDS}


def _terms(text: str) -> list[str]:
    """Lower-case words, identifiers split at underscores and camel case (both the parts and the whole), a plural's
    s taken off so "invoices" meets "invoice"."""
    terms = []
    for word in _WORD.findall(text):
        parts = _CAMEL.findall(word)
        terms.append(_singular(word.lower()))
        if len(parts) > 1:
            terms += [_singular(part.lower()) for part in parts]
    return terms


def _singular(word: str) -> str:
    return word[:-1] if len(word) > 4 and word.endswith("s") and not word.endswith("ss") else word


def _is_test(path: str) -> bool:
    folders, _, name = path.rpartition("/")
    return name.startswith("test_") or name.endswith(("_test.py", ".test.js", ".test.ts", ".spec.js", ".spec.ts")) \
        or "tests" in folders.split("/")


def _tests_of(path: str, tests: Mapping[str, str]) -> list[str]:
    """The test files named after the module, or that import it."""
    stem = PurePosixPath(path).stem
    if stem == "__init__":
        stem = PurePosixPath(path).parent.name
    imports = re.compile(rf"^\s*(?:from\s+[\w.]*\b{re.escape(stem)}\b|import\s+[\w.]*\b{re.escape(stem)}\b)",
                         re.MULTILINE)
    return sorted(test for test, text in tests.items() if test != path and (
        PurePosixPath(test).stem in (f"test_{stem}", f"{stem}_test") or imports.search(text)))
