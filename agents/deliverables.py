"""What a role must deliver, checked on its answer, and the instruction that sends an agent back for what it lacks.

A check is a pure function of the answer's text: the list of what is missing, one sentence each (empty: all there).
When something is missing the agent gets a repair round (agents.pipeline): its request again, its previous answer,
and an instruction naming exactly what was missing and the form to send it in, with an example.
"""

import ast
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import PurePosixPath

from core.domain.project import written_files

FILE_FORM = "a line **File: `path`** followed by one fenced code block with the file's whole content"
NO_CODE = "No code: the answer held no file in the form **File: `path`** followed by a code block."
PROSE_ONLY = "No code: the files in the answer ({paths}) hold prose or documentation, not code."
NO_TESTS = ("No tests: the answer held no test file in the form **File: `tests/test_….py`** followed by a code "
            "block with at least one `def test_…` function.")
NO_SECTION = "No {section} section: the design needs a heading named {section}."

CODE_EXAMPLE = '''**File: `src/shop/cart.py`**

```python
def total(prices: list[float]) -> float:
    """The sum of the prices."""
    return sum(prices)
```'''
TESTS_EXAMPLE = '''**File: `tests/test_cart.py`**

```python
from shop.cart import total


def test_total_adds_the_prices():
    assert total([1.0, 2.5]) == 3.5
```'''
SECTIONS_EXAMPLE = """## Components

- …

## Interfaces

```python
def total(prices: list[float]) -> float: ...
```"""

REPAIR = """Your previous answer lacked what the {title} must deliver:
{missing}

Write your whole answer again, complete, with this added. {form}. For example:

{example}"""

_CODE_SUFFIXES = frozenset({".py", ".pyi", ".js", ".mjs", ".ts", ".tsx", ".jsx", ".go", ".rs", ".java", ".kt",
                            ".c", ".h", ".cpp", ".cs", ".rb", ".php", ".swift", ".scala", ".sh", ".sql"})
# A line that only code starts with: a definition, an import, an assignment or a call.
_CODE_LINE = re.compile(r"^\s*(def |class |import |from \S+ import |async def |\w+(\.\w+)* ?[:=(]|return\b)",
                        re.MULTILINE)
_TEST_FUNCTION = re.compile(r"^\s*(async\s+)?def test_\w*\s*\(", re.MULTILINE)
_HEADING = re.compile(r"^\s*(#{1,6}\s+|\*\*)(?P<title>[^\n]*)$", re.MULTILINE)


@dataclass(frozen=True)
class Deliverable:
    """What a role must deliver: `missing` checks an answer, `form` and `example` tell the agent how to send it."""

    missing: Callable[[str], list[str]]
    form: str
    example: str


def _is_test(path: str) -> bool:
    name = PurePosixPath(path).name
    return name.endswith(".py") and (name.startswith("test_") or name.endswith("_test.py"))


def _looks_like_code(path: str, body: str) -> bool:
    if PurePosixPath(path).suffix not in _CODE_SUFFIXES or not body.strip():
        return False
    if path.endswith((".py", ".pyi")):
        try:
            tree = ast.parse(body)
        except SyntaxError:
            return bool(_CODE_LINE.search(body))  # code with a mistake is still code, which the tests will tell
        # A lone string or name is prose that happens to parse.
        return any(not isinstance(node, ast.Expr) or isinstance(node.value, ast.Call) for node in tree.body)
    return bool(_CODE_LINE.search(body))


def code_missing(answer: str) -> list[str]:
    """At least one code file outside the tests, in the form the project is built from."""
    files = {path: body for path, body in written_files(answer).items() if not _is_test(path)}
    if not files:
        return [NO_CODE]
    if not any(_looks_like_code(path, body) for path, body in files.items()):
        return [PROSE_ONLY.format(paths=", ".join(f"`{path}`" for path in list(files)[:3]))]
    return []


def tests_missing(answer: str) -> list[str]:
    """At least one pytest file with a test function."""
    found = any(_is_test(path) and _TEST_FUNCTION.search(body) for path, body in written_files(answer).items())
    return [] if found else [NO_TESTS]


def sections_missing(*sections: str) -> Callable[[str], list[str]]:
    """Headings (markdown, or a line in bold) that name each of `sections`."""
    def missing(answer: str) -> list[str]:
        titles = [match["title"].lower() for match in _HEADING.finditer(answer)]
        return [NO_SECTION.format(section=section) for section in sections
                if not any(section.lower() in title for title in titles)]
    return missing


CODE = Deliverable(code_missing, f"Write each file of the code as {FILE_FORM}", CODE_EXAMPLE)
TESTS = Deliverable(tests_missing, f"Write each test file as {FILE_FORM}, named tests/test_….py, with pytest "
                    "functions named test_…", TESTS_EXAMPLE)
DESIGN = Deliverable(sections_missing("Components", "Interfaces"),
                     "Give each section a markdown heading with its name (## Components, ## Interfaces)",
                     SECTIONS_EXAMPLE)


def as_answer(files: dict[str, str]) -> str:
    """Files in the form an answer writes them, so that the checks read a project's files as they stand once an
    agent's edits are applied."""
    return "\n\n".join(f"**File: `{path}`**\n\n```\n{text}\n```" for path, text in files.items())


def missing(delivers: tuple[Deliverable, ...], answer: str) -> list[str]:
    """Everything `answer` lacks of what its role delivers."""
    return [sentence for deliverable in delivers for sentence in deliverable.missing(answer)]


def repair_instructions(title: str, delivers: tuple[Deliverable, ...], answer: str) -> str:
    """What the agent is told in a repair round: what was missing, in what form to send it, with an example."""
    lacking = [deliverable for deliverable in delivers if deliverable.missing(answer)]
    return "\n\n".join(REPAIR.format(
        title=title, missing="\n".join(f"- {sentence}" for sentence in deliverable.missing(answer)),
        form=deliverable.form, example=deliverable.example) for deliverable in lacking)
