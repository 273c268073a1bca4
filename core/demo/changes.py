"""The offline demo model's answers to a change request (a request that holds <request>): deterministic and small.
For any request, a function named after it (\"add a --pretty flag\" → `pretty_flag()`), which the Developer adds to
the project's main module as SEARCH/REPLACE edits of the files it was shown, exported by its package, and which the
Tester tests in a new test file; the Analyst and the Architect add the request to their documents; the Deployer's
plan stays as it was. The `badedit` fault garbles the SEARCH text of the Developer's first edit, so that it cannot
be applied and the agent is asked again (with feedback: then its edits are right).
"""

import keyword
import re
import unicodedata
from dataclasses import dataclass
from pathlib import PurePosixPath

from core.codebase.edits import Edit, Replace, WholeFile, parse_edits, render_edits

from .content import demo_answer

_WORD = re.compile(r"[a-z0-9]+")
_FILLER = frozenset("""add adds added adding please make makes create implement support supports allow allows let
    introduce new a an the to for with and of so that it its this be can should would i we want need also""".split())
_GUARD = re.compile(r'^if __name__ == ["\']__main__["\']:\s*$')
_ARTIFACT = re.compile(r'<artifact agent="(\w+)"[^>]*>\n(.*?)\n</artifact>', re.DOTALL)
GARBLED = "  # (as remembered)"
MAX_NAME_WORDS = 3


@dataclass(frozen=True)
class Request:
    """What the demo model reads of a change request."""

    text: str
    brief: str
    files: dict[str, str]  # the files it was shown, by path
    previous: str | None  # the agent's own document of the revision before
    feedback: str | None
    artifacts: dict[str, str]  # the colleagues' artifacts it was shown, by agent


def change_answer(role: str, request: Request, *, badedit: bool = False) -> str:
    name = function_name(request.text)
    match role:
        case "analyst":
            return _document(request, "Requirements", f"""## Change request: {_one_line(request.text)}

- [ ] The project offers `{name}()`, which does what this request asks, and a test shows that it works.
""")
        case "architect":
            return _document(request, "Architecture", f"""## Change: {_one_line(request.text)}

- A function `{name}()` in the project's main module carries the change; its package exports it, and a test
  of its own covers it. Nothing else in the design changes.
""")
        case "developer":
            return _developer(request, name, badedit and not request.feedback)
        case "tester":
            return _tester(request, name)
    return _ended(request.previous) if request.previous else demo_answer(role, request.brief)


def read_request(user: str, between) -> Request:
    """The parts of the user message of a change request; `between(text, tag)` reads one tagged part."""
    shown = between(user, "files") or ""
    files = {edit.path: edit.content for edit in parse_edits(shown) if isinstance(edit, WholeFile)}
    return Request(text=between(user, "request") or "", brief=between(user, "brief") or "", files=files,
                   previous=between(user, "previous_answer"), feedback=between(user, "feedback"),
                   artifacts=dict(_ARTIFACT.findall(user)))


def function_name(request: str) -> str:
    """A Python name for the request's function: its words that say what is asked, at most three."""
    words = _WORD.findall(unicodedata.normalize("NFKD", request.lower()).encode("ascii", "ignore").decode())
    name = "_".join([word for word in words if word not in _FILLER][:MAX_NAME_WORDS]) or "requested_change"
    if name[0].isdigit():
        name = f"change_{name}"
    return f"{name}_change" if keyword.iskeyword(name) else name


def _document(request: Request, title: str, section: str) -> str:
    base = request.previous or demo_answer("analyst" if title == "Requirements" else "architect", request.brief)
    return _ended(base) + "\n" + section


def _ended(text: str) -> str:
    """The document as it was written: the tag that carried it took its last line break."""
    return text.rstrip("\n") + "\n"


def _one_line(text: str) -> str:
    return " ".join(text.split())[:200]


def _developer(request: Request, name: str, garbled: bool) -> str:
    heading = f"# Changes — {_one_line(request.text)}"
    if any(f"def {name}(" in text for text in request.files.values()):
        return f"{heading}\n\n`{name}()` is in the code already: nothing is left to change.\n"
    target = _main_module(request.files)
    if target is None:
        edits: list[Edit] = [WholeFile(f"{name}.py", _function(name))]
    else:
        edits = [_insertion(target, request.files[target], name), *_exports(request.files, target, name)]
    if garbled:
        first = edits[0]
        if isinstance(first, Replace) and first.search:
            edits[0] = Replace(first.path, "".join(line.rstrip("\n") + GARBLED + "\n"
                                                   for line in first.search.splitlines()), first.replace)
    return (f"{heading}\n\nA new function `{name}()` in `{target or name + '.py'}` does what the request asks"
            f"{', exported by its package' if len(edits) > 1 else ''}.\n\n{render_edits(edits)}")


def _function(name: str) -> str:
    return (f"def {name}() -> str:\n    \"\"\"What the change request asked for, as its own function.\"\"\"\n"
            f"    return {name.replace('_', ' ')!r}\n")


def _main_module(files: dict[str, str]) -> str | None:
    """The module the change goes into: a package's core.py, else another of its modules, else its __init__.py,
    else any Python file that is not a test."""
    code = sorted((path for path in files if path.endswith(".py") and not _is_test(path)),
                  key=lambda path: (len(PurePosixPath(path).parts), path))
    for wanted in (lambda path: path.endswith("/core.py"),
                   lambda path: "/" in path and not path.endswith("/__init__.py"),
                   lambda path: path.endswith("/__init__.py"), lambda path: True):
        found = [path for path in code if wanted(path)]
        if found:
            return found[0]
    return None


def _is_test(path: str) -> bool:
    name = PurePosixPath(path).name
    return name.startswith("test_") or name.endswith("_test.py") or "tests" in PurePosixPath(path).parts[:-1]


def _insertion(path: str, text: str, name: str) -> Edit:
    """The function, before the module's `if __name__ == "__main__":` block, or after its last lines."""
    if not text.strip():
        return Replace(path, "", _function(name))
    lines = text.splitlines(keepends=True)
    if not lines[-1].endswith("\n"):
        lines[-1] += "\n"
    guard = next((index for index, line in enumerate(lines) if _GUARD.match(line)), None)
    if guard is not None:
        block = "".join(lines[guard:])
        return Replace(path, block, _function(name) + "\n\n" + block)
    for count in range(2, len(lines) + 1):
        tail = "".join(lines[-count:])
        if text.count(tail.rstrip("\n")) == 1:
            return Replace(path, tail, tail + "\n\n" + _function(name))
    return Replace(path, "".join(lines), "".join(lines) + "\n\n" + _function(name))


def _exports(files: dict[str, str], target: str, name: str) -> list[Edit]:
    """The package's __init__.py exports the function, when it imports from the target on one line (and lists it
    in __all__, when that is one line too)."""
    init = str(PurePosixPath(target).parent / "__init__.py")
    if target.endswith("/__init__.py") or init not in files:
        return []
    text, stem = files[init], PurePosixPath(target).stem
    imports, listed = [], []
    for line in text.splitlines(keepends=True):
        if text.count(line) != 1:
            continue
        if re.fullmatch(rf"from \.{stem} import [\w, ]+\n?", line):
            imports.append(Replace(init, line, line.rstrip("\n") + f", {name}\n"))
        elif all_names := re.fullmatch(r"__all__ = \[([^\]]*)\]\n?", line):
            names = [part.strip() for part in all_names.group(1).split(",") if part.strip()] + ['"' + name + '"']
            listed.append(Replace(init, line, f"__all__ = [{', '.join(names)}]\n"))
    return [*imports, *listed] if imports else []


def _tester(request: Request, name: str) -> str:
    module = next((path for path, text in sorted(request.files.items())
                   if path.endswith(".py") and f"def {name}(" in text), None)
    if module is None:  # not shown: where the Developer puts it
        module = _main_module(request.files) or f"{name}.py"
    package = _module_name(str(PurePosixPath(module).parent / "__init__.py"))
    init = request.files.get(str(PurePosixPath(module).parent / "__init__.py"), "")
    source = package if package and re.search(rf"\b{name}\b", init) else _module_name(module)
    test = f"""\"\"\"The test of {name}(), which a change request added.\"\"\"

from {source} import {name}


def test_{name}_does_what_was_asked():
    \"\"\"The new function answers.\"\"\"
    assert {name}() == {name.replace('_', ' ')!r}
"""
    return f"""# Tests — {_one_line(request.text)}

A new test file covers `{name}()`; the tests that were there stay as they are.

{render_edits([WholeFile(f"tests/test_{name}.py", test)])}
## Test report

| Test | Covers | Status |
|---|---|---|
| `test_{name}_does_what_was_asked` | the new function answers | planned |
"""


def _module_name(path: str) -> str:
    """The module a file is, as imported with `src` on the path: src/calc/core.py → calc.core."""
    parts = list(PurePosixPath(path).with_suffix("").parts)
    if parts and parts[0] == "src":
        parts = parts[1:]
    if parts and parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts)
