"""The answers of the offline demo model: deterministic, brief-specific markdown for each of the five roles.

Small heuristics derive a title, a Python package name, a domain noun and keywords from the brief, so the same
brief always gives the same artifacts and the developer's code passes the tester's tests. Brief text reaches the
generated Python only as an ASCII-folded repr() literal, so every brief yields valid code.
"""

import keyword
import re
import sys
import unicodedata
from dataclasses import asdict, dataclass
from string import Template


_WORD = re.compile(r"[^\W_]+(?:['-][^\W_]+)*")
# Scripts, tags, code spans and links are markup, not meaning; left in, they would put "script" into the title.
_MARKUP = re.compile(r"<(script|style)\b.*?</\1\s*>|<[^>]*>|`[^`\n]*`|https?://\S+", re.IGNORECASE | re.DOTALL)
_SENTENCE_END = re.compile(r"(?<=[.!?;:])\s+|\n")

_STOPWORDS = frozenset("""a an the and or but nor so for to of in on at by with from into onto about as is are was be
    been it its this that these those their our your my we you they i he she them us who which what when where how
    than then also all any each every some such can could should would will may might must do does not no very just
    only per via""".split())
# Words that say what kind of software it is rather than what it is about.
_GENERIC = frozenset("""app apps application tool tools system platform service website site web online simple
    small tiny basic new based using want need needs build create make let lets allow allows help helps easy quick
    lightweight minimal mvp project software program""".split())
_IGNORED = _STOPWORDS | _GENERIC
_MINOR = frozenset("a an the and or but nor for to of in on at by with from as via per".split())
# Words that clearly name the thing the software manages, and synonyms mapped onto them. Each is a safe
# identifier in the generated code: no keyword, builtin or name the templates already use.
_NOUNS = frozenset("""task book order booking appointment ticket issue bug note recipe expense invoice event contact
    product pet lead customer student course song movie post habit workout plant employee shift room vehicle
    bookmark meal goal reminder question job candidate donation volunteer asset device document photo""".split())
_SYNONYMS = {"todo": "task", "chore": "task", "reservation": "booking", "film": "movie", "car": "vehicle"}
# Top-level names the generated package must not take, or it would shadow what the tests import.
_TAKEN_MODULES = frozenset(sys.stdlib_module_names) | {"pytest", "_pytest", "pluggy", "iniconfig", "packaging",
                                                       "pygments", "tests", "conftest", "src"}


@dataclass(frozen=True)
class _Facts:
    """What the answers need to know about the brief. Brief, title, keywords and persona may hold any text and
    go only into markdown; the other fields are ASCII and are also the placeholders of the code templates."""

    brief: str
    title: str
    keywords: tuple[str, ...]
    persona: str
    module: str
    noun: str
    nouns: str
    a_noun: str
    cls: str
    code_title: str  # the title as a Python literal, safe to put in generated source


def demo_answer(role: str, brief: str, feedback: str | None = None, *, buggy: bool = False) -> str:
    """Deterministic markdown answer of the given role for the brief. `buggy`: the developer's first version (one
    without feedback) has a bug that one of the tester's tests finds."""
    if role not in AGENTS:
        raise ValueError(f"unknown role {role!r}; expected one of {', '.join(AGENTS)}")
    facts = _facts(brief or "")
    if role == "developer":
        heading, body = _developer(facts, buggy=buggy and not (feedback and feedback.strip()))
    else:
        heading, body = _WRITERS[role](facts)
    parts = [f"# {heading} — {facts.title}"]
    if feedback and feedback.strip():
        parts.append(_changes_requested(role, feedback.strip()))
    parts.append(body.strip())
    return "\n\n".join(parts) + "\n"


# --- reading the brief -------------------------------------------------------------------------------------------

def _facts(brief: str) -> _Facts:
    text = _MARKUP.sub(" ", brief)
    first = _WORD.findall(next((s for s in _SENTENCE_END.split(text) if _WORD.search(s)), ""))
    words = [w.lower() for w in _WORD.findall(text)[:400]]
    keywords = tuple(dict.fromkeys(w for w in words if 3 <= len(w) <= 24 and w not in _IGNORED))
    title, module, noun = _title(first), _module(keywords), _noun(words)
    return _Facts(brief=brief, title=title, keywords=keywords[:5], persona=_persona(first), module=module,
                  noun=noun, nouns=_plural(noun), a_noun=("an " if noun[0] in "aeiou" else "a ") + noun,
                  cls=noun.capitalize(), code_title=repr(_ascii(title) or module))


def _title(words: list[str]) -> str:
    while words and words[0].lower() in _IGNORED:
        words = words[1:]
    words = [w[:24] for w in words[:6]]
    while words and words[-1].lower() in _MINOR:
        words = words[:-1]
    return " ".join(_title_word(w, first=i == 0) for i, w in enumerate(words)) or "Untitled Project"


def _title_word(word: str, first: bool) -> str:
    if not first and word.lower() in _MINOR:
        return word.lower()
    if any(c.isupper() for c in word[1:]):  # API, iOS: the brief's own casing is deliberate
        return word
    return "-".join(part[:1].upper() + part[1:] for part in word.split("-"))


def _ascii(text: str) -> str:
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()


def _module(keywords: tuple[str, ...]) -> str:
    parts = [p[:20] for p in (re.sub(r"[^a-z0-9]", "", _ascii(k).lower()) for k in keywords)
             if len(p) >= 3 and p[0].isalpha()][:2]
    name = "_".join(parts) or "demo_project"
    # One word alone too easily names a stdlib or test-tool module (calendar, json, pytest).
    if len(parts) == 1 or name in _TAKEN_MODULES or keyword.iskeyword(name):
        name += "_app"
    return name


def _plural(noun: str) -> str:
    if re.search(r"[^aeiou]y$", noun):
        return noun[:-1] + "ies"
    return noun + ("es" if re.search(r"(s|x|z|ch|sh)$", noun) else "s")


def _noun(words: list[str]) -> str:
    """The first word of the brief that names a known kind of thing, singular or plural; else "item"."""
    known = {form: _SYNONYMS.get(w, w) for w in _NOUNS | _SYNONYMS.keys() for form in (w, _plural(w))}
    return next((known[w] for w in words if w in known), "item")


def _persona(words: list[str]) -> str:
    """The audience after "for": "for small teams" gives "a member of small teams"; otherwise "a user"."""
    lowered = [w.lower() for w in words]
    if "for" not in lowered:
        return "a user"
    audience = []
    for word in words[lowered.index("for") + 1:][:4]:
        if word.lower() in _STOPWORDS and word.lower() not in ("a", "an", "the"):
            break
        audience.append(word[:24])
    if all(w.lower() in _STOPWORDS for w in audience):
        return "a user"
    return f"a member of {' '.join(audience)}"


# --- the five answers --------------------------------------------------------------------------------------------

def _quote(text: str) -> str:
    return "\n".join("> " + line for line in text.split("\n"))


def _changes_requested(role: str, feedback: str) -> str:
    return (f"## Changes requested\n\n{_quote(feedback)}\n\nThis revision of the {role}'s answer addresses the "
            f"feedback above: every section below was re-checked against it and updated where it applies.")


def _analyst(f: _Facts) -> tuple[str, str]:
    keywords = ", ".join(f"`{k}`" for k in f.keywords) or "none beyond the title"
    short = ("\n- The brief is short: which features matter most for the first release?"
             if len(_WORD.findall(f.brief)) < 12 else "")
    return "Requirements", f"""
## Brief

{_quote(f.brief)}

## Goals

- Deliver a small, working first version of **{f.title}** that its users can try on day one.
- Keep every {f.noun} in one place: add, find, update, complete and remove {f.nouns}.
- Make the core behaviour testable without a network, a database or a user interface.
- Stay close to what the brief names; its key terms are {keywords}.

## User stories

- As {f.persona}, I want to add {f.a_noun} with a short title so that nothing I need to track gets lost.
- As {f.persona}, I want to see all {f.nouns} in the order they were created so that I can pick up where I left off.
- As {f.persona}, I want to mark {f.a_noun} as done so that everyone can see what is finished.
- As {f.persona}, I want to search {f.nouns} by any part of their title so that I find one quickly.
- As {f.persona}, I want to remove {f.a_noun} I added by mistake so that the list stays accurate.

## Acceptance criteria

- [ ] Adding {f.a_noun} with an empty or blank title is refused with a clear error.
- [ ] Every new {f.noun} gets a unique id, and ids are never reused.
- [ ] Listing returns {f.nouns} in creation order and can show only open or only done ones.
- [ ] Getting, updating or removing an unknown id reports that it was not found.
- [ ] Search ignores case and matches any part of a title.
- [ ] A command-line demo runs end to end with `python -m {f.module}.core`.

## Open questions

- Who exactly are the users, and do they need accounts or permissions?
- Must {f.nouns} survive a restart? The first version keeps them in memory only.
- Besides a title and a done flag, which fields does {f.a_noun} need (owner, due date, priority, notes)?
- Is a web or mobile interface needed now, or is a library with a command-line demo enough?{short}
"""


def _architect(f: _Facts) -> tuple[str, str]:
    return "Architecture", f"""
## Components

- **`{f.module}.core.{f.cls}`**: a dataclass holding one {f.noun}.
- **`{f.module}.core.{f.cls}Store`**: the service; it owns all {f.nouns}, validates input and answers queries.
- **`{f.module}.core.main`**: a command-line demo that exercises the service end to end.
- **Tests**: a pytest suite that drives `{f.cls}Store` directly, with no network or files.

## Data model

| Field | Type | Notes |
|---|---|---|
| `id` | `int` | unique, assigned by the store, never reused |
| `title` | `str` | required; surrounding whitespace is removed |
| `done` | `bool` | `False` until the {f.noun} is completed |
| `created` | `int` | creation sequence number; lists are sorted by it |

## Interfaces

Blank titles raise `ValueError`; unknown ids raise `KeyError`.

```python
class {f.cls}Store:
    def add(self, title: str) -> {f.cls}: ...
    def get(self, {f.noun}_id: int) -> {f.cls}: ...
    def list(self, *, done: bool | None = None) -> list[{f.cls}]: ...
    def update(self, {f.noun}_id: int, title: str) -> {f.cls}: ...
    def complete(self, {f.noun}_id: int) -> {f.cls}: ...
    def remove(self, {f.noun}_id: int) -> {f.cls}: ...
    def search(self, text: str) -> list[{f.cls}]: ...

def main() -> None: ...
```

## Flow

```mermaid
flowchart LR
    CLI["Command-line demo"] --> Service["{f.cls}Store service"]
    Tests["pytest suite"] --> Service
    Service --> Model["{f.cls} dataclass"]
    Service --> Memory[("In-memory dictionary")]
```

## Key decisions

- **Standard library only**: nothing to install, so the demo and the tests run anywhere Python 3.11 runs.
- **In-memory storage behind one class**: the simplest thing that satisfies the requirements; a database can
  replace the dictionary later without changing the interface.
- **Raise on misuse, never return flags**: `ValueError` for bad input and `KeyError` for unknown ids are what Python
  callers expect, and tests can assert them precisely.
- **Creation order is explicit**: the `created` field makes listing stable and independent of dictionary details.
"""


_CORE = Template('''\
"""An in-memory $noun service: add, get, list, update, complete, remove and search $nouns."""

# Postponed annotations: the store has a method named `list`, which must not shadow `list[...]` in its hints.
from __future__ import annotations

from dataclasses import dataclass
from itertools import count

PROJECT_TITLE = $code_title


@dataclass
class $cls:
    """One $noun; `created` is its creation sequence number."""

    id: int
    title: str
    done: bool = False
    created: int = 0


def _clean(title: str) -> str:
    if not isinstance(title, str) or not title.strip():
        raise ValueError("$a_noun needs a non-empty title")
    return title.strip()


class ${cls}Store:
    """Keeps $nouns in memory, keyed by id."""

    def __init__(self) -> None:
        self._records: dict[int, $cls] = {}
        self._ids = count(1)

    def add(self, title: str) -> $cls:
        title = _clean(title)
        new_id = next(self._ids)
        $noun = $cls(id=new_id, title=title, created=new_id)
        self._records[new_id] = $noun
        return $noun

    def get(self, ${noun}_id: int) -> $cls:
        try:
            return self._records[${noun}_id]
        except KeyError:
            raise KeyError(f"no $noun with id {${noun}_id}") from None

    def list(self, *, done: bool | None = None) -> list[$cls]:
        ordered = sorted(self._records.values(), key=lambda record: record.created)
        return [record for record in ordered if done is None or record.done == done]

    def update(self, ${noun}_id: int, title: str) -> $cls:
        $noun = self.get(${noun}_id)
        $noun.title = _clean(title)
        return $noun

    def complete(self, ${noun}_id: int) -> $cls:
        $noun = self.get(${noun}_id)
        $noun.done = True
        return $noun

    def remove(self, ${noun}_id: int) -> $cls:
        $noun = self.get(${noun}_id)
        del self._records[${noun}_id]
        return $noun

    def search(self, text: str) -> list[$cls]:
        needle = text.strip().casefold()
        return [record for record in self.list() if needle in record.title.casefold()]


def main() -> None:
    """A short demo: add three $nouns, complete one, then list and search them."""
    store = ${cls}Store()
    first = store.add("Plan the first $noun")
    store.add("Review the second $noun")
    store.add("Share the third $noun")
    store.complete(first.id)
    print(f"{PROJECT_TITLE}: {len(store.list())} $nouns, {len(store.list(done=True))} done")
    for $noun in store.list():
        mark = "x" if $noun.done else " "
        print(f"[{mark}] {$noun.id}. {$noun.title}")
    print("search 'second':", [record.title for record in store.search("second")])


if __name__ == "__main__":
    main()
''')

# The bug of the `buggy` fault: search minds case, which test_search_ignores_case finds.
_CASEFOLDED_SEARCH = """\
        needle = text.strip().casefold()
        return [record for record in self.list() if needle in record.title.casefold()]"""
_BUGGY_CORE = Template(_CORE.template.replace(_CASEFOLDED_SEARCH, """\
        needle = text.strip()
        return [record for record in self.list() if needle in record.title]"""))

_INIT = Template('''\
"""The $module package: an in-memory $noun service (see core.py)."""

from .core import PROJECT_TITLE, $cls, ${cls}Store, main

__all__ = ["PROJECT_TITLE", "$cls", "${cls}Store", "main"]
''')


def _developer(f: _Facts, buggy: bool = False) -> tuple[str, str]:
    values = asdict(f)
    core = (_BUGGY_CORE if buggy else _CORE).substitute(values)
    return "Implementation", f"""
`{f.module}` is a small, standard-library-only Python package that keeps {f.nouns} in memory. `{f.cls}Store`
adds, gets, lists, updates, completes, removes and searches {f.nouns}; blank titles raise `ValueError` and unknown
ids raise `KeyError`. Run the demo with `PYTHONPATH=src python -m {f.module}.core` and the tests with
`PYTHONPATH=src python -m pytest -q`.

**File: `src/{f.module}/__init__.py`**

```python
{_INIT.substitute(values)}```

**File: `src/{f.module}/core.py`**

```python
{core}```
"""


_TESTS = Template('''\
"""Tests of the $module package: the in-memory $noun service."""

import pytest

from $module import PROJECT_TITLE, $cls, ${cls}Store, main


@pytest.fixture
def store():
    return ${cls}Store()


def test_add_assigns_increasing_ids_and_trims_titles(store):
    """Adding: unique, increasing ids; trimmed titles."""
    first = store.add("  one  ")
    second = store.add("two")
    assert second.id > first.id and first.title == "one"
    assert isinstance(first, $cls) and not first.done


def test_add_rejects_a_blank_title(store):
    """ValueError on bad input."""
    with pytest.raises(ValueError):
        store.add("   ")


def test_get_returns_the_added_$noun(store):
    """Lookup by id."""
    $noun = store.add("find me")
    assert store.get($noun.id) is $noun


def test_get_unknown_id_raises_key_error(store):
    """KeyError on a missing id."""
    with pytest.raises(KeyError):
        store.get(999)


def test_list_keeps_creation_order(store):
    """Stable listing."""
    titles = ["c", "a", "b"]
    for title in titles:
        store.add(title)
    assert [record.title for record in store.list()] == titles


def test_update_changes_the_title(store):
    """Update and its validation."""
    $noun = store.add("old")
    assert store.update($noun.id, "new").title == "new"
    with pytest.raises(ValueError):
        store.update($noun.id, "")


def test_complete_marks_the_${noun}_done(store):
    """Completion and the done filter."""
    $noun = store.add("finish me")
    store.add("still open")
    store.complete($noun.id)
    assert store.list(done=True) == [$noun]
    assert len(store.list(done=False)) == 1


def test_remove_deletes_the_$noun(store):
    """Removal, then KeyError on lookup."""
    $noun = store.add("temporary")
    assert store.remove($noun.id) is $noun
    with pytest.raises(KeyError):
        store.get($noun.id)


def test_search_ignores_case(store):
    """Text search."""
    store.add("Alpha report")
    store.add("beta notes")
    assert [record.title for record in store.search("ALPHA")] == ["Alpha report"]


def test_main_prints_the_demo(capsys):
    """The command-line demo."""
    main()
    assert PROJECT_TITLE in capsys.readouterr().out
''')
# The report lists each test with its docstring, so the table can never disagree with the file.
_TEST_DOC = re.compile(r'^def (test_\w+)\(.*\n    """(.*)"""$', re.MULTILINE)


def _tester(f: _Facts) -> tuple[str, str]:
    tests = _TESTS.substitute(asdict(f))
    rows = "\n".join(f"| `{name}` | {covers} | planned |" for name, covers in _TEST_DOC.findall(tests))
    return "Tests", f"""
The suite imports `{f.module}` exactly as the developer wrote it (run with `PYTHONPATH=src`) and needs only pytest.

**File: `tests/test_{f.module}.py`**

```python
{tests}```

## Test report

| Test | Covers | Status |
|---|---|---|
{rows}

Coverage: every public method of `{f.cls}Store` is exercised, including both error paths (`ValueError` for blank
titles, `KeyError` for unknown ids), plus the command-line demo. Not covered yet: concurrency and persistence,
which the requirements leave open.
"""


def _deployer(f: _Facts) -> tuple[str, str]:
    image = f.module.replace("_", "-")
    return "Deployment", f"""
**File: `Dockerfile`**

```dockerfile
FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 \\
    PYTHONUNBUFFERED=1 \\
    PYTHONPATH=/app/src
WORKDIR /app
COPY src/ ./src/
RUN useradd --create-home app
USER app
CMD ["python", "-m", "{f.module}.core"]
```

## Run steps

```bash
# 1. Test before building: the suite needs only pytest.
PYTHONPATH=src python -m pytest -q
# 2. Build the image and run the demo.
docker build -t {image}:0.1.0 .
docker run --rm {image}:0.1.0
```

## Configuration

| Variable | Value | Why |
|---|---|---|
| `PYTHONPATH` | `/app/src` | makes the `{f.module}` package importable |
| `PYTHONUNBUFFERED` | `1` | output reaches the container log immediately |
| `PYTHONDONTWRITEBYTECODE` | `1` | keeps the image free of `.pyc` files |

The service itself reads no settings yet; {f.nouns} live in memory and are lost when the container stops.

## Rollout checklist

- [ ] The test suite passes on the commit being released.
- [ ] The image builds from a clean checkout and runs as the non-root `app` user.
- [ ] `docker run --rm {image}:0.1.0` prints the demo listing and exits with status 0.
- [ ] The image is tagged with the release version and pushed to the registry.
- [ ] Users know that {f.nouns} are not persisted in this version.
- [ ] The previous image tag is kept so a rollback is one `docker run` away.
"""


_WRITERS = {"analyst": _analyst, "architect": _architect, "developer": _developer, "tester": _tester,
            "deployer": _deployer}
# The agents this demo model writes answers for; main.py refuses to start offline with a team it cannot serve.
AGENTS = tuple(_WRITERS)
