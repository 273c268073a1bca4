"""What changed: the files added, modified and deleted, and unified diff text that real `git apply` takes to turn
the old files into the new ones; a commit against its parent, a revision against the one before."""

import subprocess

from core.codebase.diff import ChangeKind, LineKind, commit_diff, diff_lines, revision_diff, unified_diff
from core.codebase.history import History, Signature, Step, Tag
from core.domain.files import ChangedFile, changed_files

OLD = {"app.py": b"import os\n\n\ndef main():\n    print('hi')\n", "gone.txt": b"bye\n", "logo.png": b"\x89PNG\0\1",
       "notes.txt": b"one\ntwo", "same.md": b"# Same\n", "empty.txt": b""}
NEW = {"app.py": b"import os\nimport sys\n\n\ndef main():\n    print('hello', sys.argv)\n", "logo.png": b"\x89PNG\0\2",
       "notes.txt": b"one\nthree", "same.md": b"# Same\n", "src/new.py": b"VALUE = 1\n", "odd.txt": b"a\rb\x0cc\n"}


def test_the_changed_files_are_sorted_and_named_by_kind():
    assert changed_files(OLD, NEW) == (
        ChangedFile("app.py", ChangeKind.MODIFIED), ChangedFile("empty.txt", ChangeKind.DELETED),
        ChangedFile("gone.txt", ChangeKind.DELETED), ChangedFile("logo.png", ChangeKind.MODIFIED),
        ChangedFile("notes.txt", ChangeKind.MODIFIED), ChangedFile("odd.txt", ChangeKind.ADDED),
        ChangedFile("src/new.py", ChangeKind.ADDED))
    assert changed_files(NEW, NEW) == ()


def test_the_diff_is_gits_format_and_notes_binary_files():
    text = unified_diff(OLD, NEW)
    assert text.startswith("diff --git a/app.py b/app.py\n--- a/app.py\n+++ b/app.py\n@@ -1,5 +1,6 @@\n import os\n"
                           "+import sys\n")
    assert "diff --git a/logo.png b/logo.png\nBinary files a/logo.png and b/logo.png differ\n" in text
    assert "diff --git a/gone.txt b/gone.txt\ndeleted file mode 100644\n--- a/gone.txt\n+++ /dev/null\n" in text
    assert "-two\n\\ No newline at end of file\n+three\n\\ No newline at end of file\n" in text
    assert "same.md" not in text


def test_real_git_apply_turns_the_old_files_into_the_new(tmp_path):
    text_only = {name: data for name, data in OLD.items() if name != "logo.png"}
    new_text_only = {name: data for name, data in NEW.items() if name != "logo.png"}
    for path, data in text_only.items():
        (tmp_path / path).write_bytes(data)
    (tmp_path / "change.diff").write_text(unified_diff(text_only, new_text_only))
    done = subprocess.run(["git", "apply", "change.diff"], cwd=tmp_path, capture_output=True, text=True, timeout=60,
                          check=False)
    assert done.returncode == 0, done.stderr
    (tmp_path / "change.diff").unlink()
    on_disk = {path.relative_to(tmp_path).as_posix(): path.read_bytes() for path in tmp_path.rglob("*")
               if path.is_file()}
    assert on_disk == new_text_only


def test_a_commit_against_its_parent_and_a_revision_against_the_one_before():
    author = Signature("Developer", "developer@botarmy.invalid")
    history = History.build([Step(author, "one", 1, {"a.py": b"x = 1\n"}), Step(author, "two", 2, {"b.py": b"y\n"}),
                             Step(author, "three", 3, {"a.py": b"x = 2\n"})], [Tag(1, 0), Tag(2, 2)])
    first = commit_diff(history, history.commits[0].id)
    assert first == "diff --git a/a.py b/a.py\nnew file mode 100644\n--- /dev/null\n+++ b/a.py\n@@ -0,0 +1 @@\n+x = 1\n"
    assert commit_diff(history, history.commits[2].id).count("diff --git") == 1
    assert revision_diff(history, 1) == first
    second = revision_diff(history, 2)
    assert "diff --git a/a.py b/a.py\n--- a/a.py\n+++ b/a.py\n@@ -1 +1 @@\n-x = 1\n+x = 2\n" in second
    assert "diff --git a/b.py b/b.py\nnew file mode 100644\n" in second


def test_each_line_of_a_diff_has_its_kind_and_a_removed_line_that_looks_like_a_header_is_a_removal():
    text = unified_diff({"a.md": b"-- a dash line\nkeep\n", "b.bin": b"\0"}, {"a.md": b"keep\n+ plus\n"})
    assert diff_lines(text) == [
        (LineKind.META, "diff --git a/a.md b/a.md"), (LineKind.META, "--- a/a.md"), (LineKind.META, "+++ b/a.md"),
        (LineKind.HUNK, "@@ -1,2 +1,2 @@"), (LineKind.REMOVED, "--- a dash line"), (LineKind.CONTEXT, " keep"),
        (LineKind.ADDED, "++ plus"),
        (LineKind.META, "diff --git a/b.bin b/b.bin"), (LineKind.META, "deleted file mode 100644"),
        (LineKind.META, "Binary files a/b.bin and /dev/null differ")]
    assert diff_lines(unified_diff({"c": b"x"}, {"c": b"y"}))[-1] == (LineKind.NOTE, "\\ No newline at end of file")
    assert diff_lines("") == []
