"""Edits to existing files as the models write them: SEARCH/REPLACE blocks applied with tolerance for the drift models
make, whole files, and a set of edits that applies whole or not at all, saying which edit failed and why."""

import re

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from core.codebase.edits import (
    EditsFailed, FailureReason, MatchKind, Replace, WholeFile, apply_edits, parse_edits, render_edits,
)

CORE = '''import os


class Store:
    def load(self, key):
        value = self.items[key]
        return value

    def save(self, key, value):
        self.items[key] = value
        return True
'''
TREE = {"src/app/core.py": CORE, "README.md": "# App\n", "tests/test_core.py": "def test_store():\n    pass\n"}


def failure_of(tree, *edits, **options):
    with pytest.raises(EditsFailed) as caught:
        apply_edits(tree, list(edits), **options)
    return caught.value


# --- reading an answer ----------------------------------------------------------------------------------------------

def test_an_answer_gives_its_blocks_in_order_whatever_way_the_model_wrote_the_path():
    answer = """I'll make the change.

src/app/core.py
```python
<<<<<<< SEARCH
        return value
=======
        return value or None
>>>>>>> REPLACE
<<<<<<< SEARCH
        return True
=======
        return False
>>>>>>> REPLACE
```

```src/app/cli.py
<<<<<<< SEARCH
=======
print("hi")
>>>>>>> REPLACE
```

**File: `docs/notes.md`**
````markdown
# Notes

```
code
```
````

**`README.md`**:
```
<<<<<<< SEARCH
# App
=======
# The app
>>>>>>> REPLACE
```
"""
    assert parse_edits(answer) == [
        Replace("src/app/core.py", "        return value\n", "        return value or None\n"),
        Replace("src/app/core.py", "        return True\n", "        return False\n"),
        Replace("src/app/cli.py", "", 'print("hi")\n'),
        WholeFile("docs/notes.md", "# Notes\n\n```\ncode\n```\n"),
        Replace("README.md", "# App\n", "# The app\n"),
    ]


def test_a_block_under_a_file_header_is_an_edit_of_that_file_not_its_whole_content():
    answer = ("**File: `src/app/core.py`**\n```python\n<<<<<<< SEARCH\nimport os\n=======\nimport sys\n"
              ">>>>>>> REPLACE\n```\n")
    assert parse_edits(answer) == [Replace("src/app/core.py", "import os\n", "import sys\n")]


def test_an_unfinished_block_or_one_without_a_path_is_a_sentence_for_the_model():
    unfinished = parse_failure("src/app/core.py\n```\n<<<<<<< SEARCH\nimport os\n=======\nimport sys\n```\n")
    assert unfinished.failures[0].reason is FailureReason.MALFORMED
    assert "Edit 1 (src/app/core.py): the block has no `>>>>>>> REPLACE` line" in unfinished.prompt
    nameless = parse_failure("Here it is:\n\n<<<<<<< SEARCH\na\n=======\nb\n>>>>>>> REPLACE\n")
    assert "Edit 1: no file path on the line before its SEARCH block" in nameless.prompt


def parse_failure(answer):
    with pytest.raises(EditsFailed) as caught:
        parse_edits(answer)
    return caught.value


def test_an_answer_without_edits_has_none():
    assert parse_edits("Nothing needs to change: the code already does this.") == []


# --- applying: the ladder of tolerance ------------------------------------------------------------------------------

def test_an_exact_search_replaces_its_one_place_and_leaves_the_given_tree_alone():
    before = dict(TREE)
    result = apply_edits(TREE, [Replace("src/app/core.py", "import os\n", "import os\nimport sys\n")])
    assert result.files["src/app/core.py"] == CORE.replace("import os\n", "import os\nimport sys\n")
    assert result.changed == ("src/app/core.py",)
    assert result.applied[0].match is MatchKind.EXACT
    assert TREE == before


def test_trailing_whitespace_and_line_endings_do_not_stop_a_match():
    crlf = {"a.py": "x = 1\r\ny = 2\r\nz = 3\r\n"}
    result = apply_edits(crlf, [Replace("a.py", "y = 2   \n", "y = 20\n")])
    assert result.files["a.py"] == "x = 1\r\ny = 20\r\nz = 3\r\n"  # the file keeps its line endings
    assert result.applied[0].match is MatchKind.WHITESPACE


def test_a_search_indented_differently_matches_and_its_replacement_is_reindented_to_the_file():
    search = "def save(self, key, value):\n    self.items[key] = value\n"
    replace = "def save(self, key, value):\n    if key:\n        self.items[key] = value\n"
    result = apply_edits(TREE, [Replace("src/app/core.py", search, replace)])
    assert "    def save(self, key, value):\n        if key:\n            self.items[key] = value\n" in \
        result.files["src/app/core.py"]
    assert result.applied[0].match is MatchKind.INDENTATION


def test_blank_lines_the_model_added_around_its_search_are_ignored():
    result = apply_edits(TREE, [Replace("src/app/core.py", "\n\n        return True\n\n\n", "        return 1\n")])
    assert result.files["src/app/core.py"].endswith("        return 1\n")
    assert result.applied[0].match is MatchKind.BLANK_LINES


def test_dots_elide_unchanged_lines_when_search_and_replace_cut_at_the_same_places():
    search = "class Store:\n...\n        return True\n"
    replace = "class Store:\n    '''Items by key.'''\n...\n        return False\n"
    result = apply_edits(TREE, [Replace("src/app/core.py", search, replace)])
    assert "class Store:\n    '''Items by key.'''\n    def load" in result.files["src/app/core.py"]
    assert result.files["src/app/core.py"].endswith("        return False\n")
    assert result.applied[0].match is MatchKind.ELISION
    unpaired = failure_of(TREE, Replace("src/app/core.py", search, "class Store:\n        return False\n"))
    assert "the `...` lines of SEARCH and REPLACE do not pair up" in unpaired.prompt


def test_a_search_with_a_moved_line_matches_the_one_window_close_enough():
    search = ("    def load(self, key):\n        return value\n        value = self.items[key]\n\n"
              "    def save(self, key, value):\n")  # two lines swapped, as models misremember
    replace = "    def load(self, key):\n        return self.items.get(key)\n\n    def save(self, key, value):\n"
    result = apply_edits(TREE, [Replace("src/app/core.py", search, replace)])
    assert result.applied[0].match is MatchKind.FUZZY
    assert "        return self.items.get(key)\n\n    def save(self, key, value):\n        self.items[key]" in \
        result.files["src/app/core.py"]


def test_a_close_match_in_two_places_is_not_guessed():
    block = "def f{n}():\n    a = 1\n    b = 2\n    c = 3\n    return a + b + c\n\n"
    tree = {"m.py": block.format(n=1) + block.format(n=2)}
    search = "    a = 1\n    b = 2\n    c = 4\n    return a + b + c\n\n"  # one line off, and alike in both functions
    assert failure_of(tree, Replace("m.py", search, "pass\n")).failures[0].reason is FailureReason.NOT_FOUND


def test_a_search_found_twice_is_ambiguous_and_says_where():
    tree = {"m.py": "x = 1\ny = 2\nx = 1\n"}
    failure = failure_of(tree, Replace("m.py", "x = 1\n", "x = 3\n")).failures[0]
    assert failure.reason is FailureReason.AMBIGUOUS
    assert failure.sentence == ("Edit 1 (m.py): the SEARCH text is found 2 times (lines 1, 3); add lines around it "
                                "so it matches one place.")


def test_a_search_not_found_shows_the_closest_lines_and_says_when_the_change_is_already_there():
    search = "    def load(self, name):\n        value = self.items[name]\n        return value\n"
    failure = failure_of(TREE, Replace("src/app/core.py", search, "    def load(self, name):\n        pass\n"))
    sentence = failure.failures[0].sentence
    assert sentence.startswith("Edit 1 (src/app/core.py): the SEARCH text is not in the file. The closest lines are "
                               "lines 5–7:\n```\n    def load(self, key):\n")
    done = failure_of(TREE, Replace("src/app/core.py", "import sys\n", "import os\n")).failures[0].sentence
    assert done.endswith("Its REPLACE text is already in the file: if that change is done, drop this edit.")


def test_a_file_keeps_having_no_newline_at_its_end():
    result = apply_edits({"a.txt": "one\ntwo"}, [Replace("a.txt", "two\n", "three\n")])
    assert result.files["a.txt"] == "one\nthree"


# --- files, paths and the whole set ---------------------------------------------------------------------------------

def test_an_empty_search_creates_a_missing_file_but_never_overwrites_one():
    result = apply_edits(TREE, [Replace("src/app/cli.py", "", "print('hi')\n")])
    assert result.files["src/app/cli.py"] == "print('hi')\n" and result.applied[0].match is MatchKind.CREATED
    failure = failure_of(TREE, Replace("README.md", "", "# New\n")).failures[0]
    assert failure.reason is FailureReason.EXISTS and "send the whole file as **File: `README.md`**" in failure.sentence


def test_a_missing_file_is_named_with_the_closest_existing_path():
    failure = failure_of(TREE, Replace("src/app/cores.py", "import os\n", "import sys\n")).failures[0]
    assert failure.reason is FailureReason.MISSING_FILE
    assert failure.sentence.endswith("Did you mean `src/app/core.py`?")


def test_a_shortened_path_that_names_one_file_is_that_file():
    result = apply_edits(TREE, [Replace("core.py", "import os\n", "import sys\n")])
    assert result.changed == ("src/app/core.py",)


@pytest.mark.parametrize("path", ["../outside.py", ".git/config", "src/.git/hooks/pre-commit", ".GIT./HEAD",
                                  "C:/x.py", "a\\..\\..\\b.py", "a\nb.py"])
def test_paths_outside_the_project_or_into_git_are_refused(path):
    failure = failure_of(TREE, WholeFile(path, "x\n")).failures[0]
    assert failure.reason is FailureReason.OUTSIDE and failure.number == 1


def test_an_absolute_path_stays_inside_the_project_as_the_domain_confines_written_files():
    assert apply_edits(TREE, [WholeFile("/etc/passwd", "x\n")]).changed == ("etc/passwd",)


def test_files_kept_from_the_model_cannot_be_edited():
    failure = failure_of({".env": "KEY=1\n"}, WholeFile(".env", "KEY=2\n"), read_only={".env"}).failures[0]
    assert failure.reason is FailureReason.READ_ONLY


def test_a_set_applies_whole_or_not_at_all_and_the_prompt_names_every_failed_edit():
    before = dict(TREE)
    failed = failure_of(TREE,
                        Replace("src/app/core.py", "import os\n", "import sys\n"),
                        Replace("src/app/core.py", "import os\n", "import json\n"),  # the first edit took its line
                        WholeFile("docs/new.md", "# New\n"),
                        Replace("missing.py", "a\n", "b\n"))
    assert TREE == before
    assert [(failure.number, failure.reason) for failure in failed.failures] == [
        (2, FailureReason.NOT_FOUND), (4, FailureReason.MISSING_FILE)]
    assert failed.prompt.startswith("None of the 4 edits was applied: 2 failed.\n\nEdit 2 (src/app/core.py)")
    assert "Send all the edits again with these fixed." in failed.prompt


def test_later_edits_of_a_file_see_the_earlier_ones():
    result = apply_edits(TREE, [Replace("README.md", "# App\n", "# App\n\nUsage.\n"),
                                Replace("README.md", "Usage.\n", "Usage: run it.\n")])
    assert result.files["README.md"] == "# App\n\nUsage: run it.\n"


# --- properties -----------------------------------------------------------------------------------------------------

lines = st.lists(st.text(st.characters(blacklist_categories=["Cs", "Cc", "Zl", "Zp"]), min_size=1, max_size=20)
                 .map(lambda text: f"line {text}"), min_size=1, max_size=30, unique=True)


@given(lines, st.data())
def test_any_unique_window_of_lines_is_replaced_exactly_there(file_lines, data):
    start = data.draw(st.integers(0, len(file_lines) - 1))
    end = data.draw(st.integers(start + 1, len(file_lines)))
    content = "".join(line + "\n" for line in file_lines)
    search = "".join(line + "\n" for line in file_lines[start:end])
    replacement = data.draw(st.lists(st.sampled_from(["new", "  other", ""]), max_size=4))
    replace = "".join(line + "\n" for line in replacement)
    result = apply_edits({"f.txt": content}, [Replace("f.txt", search, replace)])
    expected = "".join(line + "\n" for line in file_lines[:start] + replacement + file_lines[end:])
    assert result.files["f.txt"] == expected
    assert result.applied[0].match is MatchKind.EXACT


MARKER = re.compile(r"^\s*(<{5,9} SEARCH|={5,9}|>{5,9} REPLACE)", re.MULTILINE)
texts = st.text(st.characters(blacklist_categories=["Cs"], blacklist_characters="\r"), max_size=60).filter(
    lambda text: not MARKER.search(text))
edits = st.lists(st.one_of(st.builds(Replace, st.sampled_from(["a.py", "src/b.py", "docs/c.md"]), texts, texts),
                           st.builds(WholeFile, st.sampled_from(["new.py", "docs/d.md"]), texts)), max_size=5)


@given(edits)
@example([WholeFile("new.py", "\n")])  # a file of one empty line is not an empty file
def test_what_render_writes_parse_reads_back(written):
    def normal(text):
        lines = text.split("\n")
        return "".join(line + "\n" for line in (lines[:-1] if text.endswith("\n") else lines)) if text else ""
    expected = [Replace(e.path, normal(e.search), normal(e.replace)) if isinstance(e, Replace)
                else WholeFile(e.path, normal(e.content)) for e in written]
    assert parse_edits(render_edits(written)) == expected


@given(lines, st.integers(0, 5))
def test_a_failing_edit_anywhere_in_a_set_leaves_everything_as_it_was(file_lines, failing_at):
    content = "".join(line + "\n" for line in file_lines)
    tree = {"f.txt": content}
    good = [WholeFile(f"new{i}.txt", "x\n") for i in range(5)]
    good.insert(min(failing_at, len(good)), Replace("f.txt", "no such line at all\n", "y\n"))
    with pytest.raises(EditsFailed) as caught:
        apply_edits(tree, good)
    assert tree == {"f.txt": content}
    assert [failure.number for failure in caught.value.failures] == [min(failing_at, 5) + 1]
