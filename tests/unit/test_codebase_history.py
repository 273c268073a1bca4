"""The project's files as a real git history, rebuilt from the log: the same steps give the same commit ids on every
machine (the ids real git gives the same commits), and the repository written out or zipped is one `git` reads:
its log, a clean status, a clean fsck."""

import hashlib
import io
import os
import subprocess
import zipfile

import pytest

from core.codebase.history import History, HistoryError, Signature, Step, Tag

DEVELOPER = Signature("Developer", "developer@botarmy.invalid")
TESTER = Signature("Tester", "tester@botarmy.invalid")
STEPS = [
    Step(DEVELOPER, "Developer: first version\n\nRequest: a calculator", 1_700_000_000,
         {"src/calc.py": b"def add(a, b):\n    return a + b\n", "README.md": b"# Calc\n"}, timezone=3600),
    Step(TESTER, "Tester: tests for add", 1_700_000_060,
         {"tests/test_calc.py": b"from calc import add\n\n\ndef test_add():\n    assert add(1, 2) == 3\n",
          "assets/logo.png": b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\xff\xfe"}),
    Step(DEVELOPER, "Developer: subtract\n\nRequest: add subtraction", 1_700_000_600,
         {"src/calc.py": b"def add(a, b):\n    return a + b\n\n\ndef sub(a, b):\n    return a - b\n",
          "README.md": None, "docs/usage.md": b"Use add and sub.\n"}, timezone=-5 * 3600),
]
TAGS = [Tag(1, 1), Tag(2, 2)]
# The ids these steps have: computed here, on any machine, and by git itself (test_real_git_makes_the_same_ids).
IDS = ["825666735238b7007ed0a460800daa6627501411", "0f44e79b754fb845ec6e53519beacf5a52183aa9",
       "bf6a9c9ed26f7f349988f630355cd4e790204c8b"]


def git(directory, *args, **env) -> str:
    done = subprocess.run(["git", "-C", str(directory), *args], capture_output=True, text=True, timeout=60,
                          check=False, env={**os.environ, "GIT_CONFIG_NOSYSTEM": "1", **env})
    assert done.returncode == 0, done.stderr
    return done.stdout


@pytest.fixture
def history():
    return History.build(STEPS, TAGS)


def test_the_same_steps_give_the_same_ids_every_time(history):
    assert [commit.id for commit in history.commits] == IDS
    assert [commit.id for commit in History.build(STEPS, TAGS).commits] == IDS
    assert history.tags == {1: IDS[1], 2: IDS[2]}
    assert history.commits[2].changed == ("README.md", "docs/usage.md", "src/calc.py")
    assert history.commits[1].parent == IDS[0] and history.commits[0].parent is None


def test_real_git_makes_the_same_ids_from_the_same_steps(tmp_path):
    """git's own `commit`, with no configuration of the machine or the user, agrees with the ids built here."""
    repo = tmp_path / "by-git"
    git(tmp_path, "init", "-q", "-b", "main", str(repo), HOME=str(tmp_path))
    for step in STEPS:
        for path, data in step.changes.items():
            if data is None:
                git(repo, "rm", "-q", path, HOME=str(tmp_path))
            else:
                (repo / path).parent.mkdir(parents=True, exist_ok=True)
                (repo / path).write_bytes(data)
                git(repo, "add", path, HOME=str(tmp_path))
        when = f"{step.time} {'+' if step.timezone >= 0 else '-'}{abs(step.timezone) // 3600:02}00"
        identity = {"GIT_AUTHOR_NAME": step.author.name, "GIT_AUTHOR_EMAIL": step.author.email,
                    "GIT_AUTHOR_DATE": when, "GIT_COMMITTER_NAME": step.author.name,
                    "GIT_COMMITTER_EMAIL": step.author.email, "GIT_COMMITTER_DATE": when, "HOME": str(tmp_path)}
        git(repo, "commit", "-q", "-m", step.message, **identity)
    assert git(repo, "log", "--format=%H", HOME=str(tmp_path)).split() == IDS[::-1]


def test_any_difference_in_a_step_is_a_different_commit():
    variants = [
        Step(DEVELOPER, STEPS[0].message, STEPS[0].time + 1, STEPS[0].changes, timezone=3600),
        Step(TESTER, STEPS[0].message, STEPS[0].time, STEPS[0].changes, timezone=3600),
        Step(DEVELOPER, STEPS[0].message + "!", STEPS[0].time, STEPS[0].changes, timezone=3600),
        Step(DEVELOPER, STEPS[0].message, STEPS[0].time, STEPS[0].changes, timezone=0),
        Step(DEVELOPER, STEPS[0].message, STEPS[0].time, {**STEPS[0].changes, "README.md": b"# Calc!\n"},
             timezone=3600),
    ]
    assert len({History.build([step]).head for step in variants} | {IDS[0]}) == len(variants) + 1


def test_the_files_at_any_commit_or_revision_are_the_bytes_committed(history):
    assert history.files("revision-1") == {**STEPS[0].changes, **STEPS[1].changes}
    assert history.files(IDS[0]) == STEPS[0].changes
    latest = history.files()
    assert "README.md" not in latest and latest["assets/logo.png"] == STEPS[1].changes["assets/logo.png"]
    assert history.revision_commit(2) == IDS[2] and history.tag_name(2) == "revision-2"


def test_a_history_grows_one_step_at_a_time_to_the_same_ids():
    history = History()
    ids = [history.commit(step) for step in STEPS[:2]]
    history.tag(1)
    ids.append(history.commit(STEPS[2]))
    history.tag(2)
    assert ids == IDS and history.tags == {1: IDS[1], 2: IDS[2]}


@pytest.mark.parametrize("changes, sentence", [
    ({"../etc/passwd": b"x"}, "The path '../etc/passwd' cannot be in the project."),
    ({".git/hooks/post-checkout": b"x"}, "The path '.git/hooks/post-checkout' cannot be in the project."),
    ({"a/b.py": b"1", "a//b.py": b"2"}, "Two changes of one commit name the same file a/b.py."),
    ({"src/calc.py/x": b"1"}, "src/calc.py cannot be both a file and a folder."),
    ({"src": b"1"}, "src cannot be both a file and a folder."),
])
def test_changes_that_cannot_be_committed_are_refused_and_leave_the_history_as_it_was(history, changes, sentence):
    with pytest.raises(HistoryError) as caught:
        history.commit(Step(DEVELOPER, "bad", 1_700_001_000, changes))
    assert str(caught.value) == sentence
    assert history.head == IDS[2] and history.files() == History.build(STEPS).files()


def test_a_file_may_become_a_folder_in_the_commit_that_deletes_it(history):
    history.commit(Step(DEVELOPER, "split", 1_700_001_000, {"src/calc.py": None, "src/calc.py/add.py": b"x\n"}))
    assert "src/calc.py/add.py" in history.files()


def test_times_tags_and_refs_that_git_cannot_hold_are_refused(history):
    with pytest.raises(HistoryError, match="whole minutes within 14 hours"):
        history.commit(Step(DEVELOPER, "m", 1_700_001_000, {}, timezone=15 * 3600))
    with pytest.raises(HistoryError, match="not a name git accepts"):
        history.tag(3, name="bad..name")
    with pytest.raises(HistoryError, match="already tagged at another commit"):
        history.tag(1, commit=2)
    with pytest.raises(HistoryError, match="no revision 7"):
        history.revision_commit(7)
    with pytest.raises(HistoryError, match="no commit or tag 'nope'"):
        history.files("nope")
    with pytest.raises(HistoryError, match="no commit yet"):
        History().files()
    with pytest.raises(HistoryError, match="not a name git accepts for a branch"):
        History(branch="main.lock")


def test_a_repository_written_at_a_revision_is_one_git_reads_with_nothing_after_it(history, tmp_path):
    root = history.write(tmp_path / "repo", revision=1)
    assert git(root, "log", "--format=%H %an <%ae> %s").splitlines() == [
        f"{IDS[1]} Tester <tester@botarmy.invalid> Tester: tests for add",
        f"{IDS[0]} Developer <developer@botarmy.invalid> Developer: first version"]
    assert git(root, "status", "--porcelain") == ""
    git(root, "fsck", "--strict", "--no-dangling")
    assert git(root, "tag").split() == ["revision-1"]
    assert git(root, "rev-parse", "--abbrev-ref", "HEAD").strip() == "main"
    assert {path: (root / path).read_bytes() for path in history.files("revision-1")} == history.files("revision-1")


def test_writing_reads_no_git_configuration_of_the_machine_or_the_user(history, tmp_path, monkeypatch):
    home = tmp_path / "home"
    home.mkdir()
    (home / ".gitconfig").write_text("[init]\n\tdefaultBranch = trunk\n[user]\n\tname = Someone Else\n")
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home))
    root = history.write(tmp_path / "repo")
    assert git(root, "symbolic-ref", "HEAD").strip() == "refs/heads/main"
    assert git(root, "log", "--format=%H").split() == IDS[::-1]
    assert "Someone" not in (root / ".git" / "config").read_text()


def test_a_repository_is_written_only_into_a_new_or_empty_folder(history, tmp_path):
    (tmp_path / "full").mkdir()
    (tmp_path / "full" / "keep.txt").write_text("mine")
    with pytest.raises(HistoryError, match="is not empty"):
        history.write(tmp_path / "full")
    assert (tmp_path / "full" / "keep.txt").read_text() == "mine"


def test_the_zip_carries_git_so_git_log_works_where_it_is_unpacked(history, tmp_path):
    archive = zipfile.ZipFile(io.BytesIO(history.zip("calc")))
    assert all(name.startswith("calc/") for name in archive.namelist())
    archive.extractall(tmp_path)
    root = tmp_path / "calc"
    assert git(root, "log", "--format=%H").split() == IDS[::-1]
    assert git(root, "status", "--porcelain") == ""
    git(root, "fsck", "--strict", "--no-dangling")
    assert git(root, "tag").split() == ["revision-1", "revision-2"]
    on_disk = {path: hashlib.sha256((root / path).read_bytes()).hexdigest() for path in history.files()}
    assert on_disk == {path: hashlib.sha256(data).hexdigest() for path, data in history.files().items()}


def test_the_zip_of_an_earlier_revision_holds_that_revision_and_its_history(history, tmp_path):
    zipfile.ZipFile(io.BytesIO(history.zip("calc", revision=1))).extractall(tmp_path)
    assert git(tmp_path / "calc", "log", "--format=%H").split() == IDS[1::-1]
    assert (tmp_path / "calc" / "README.md").read_bytes() == b"# Calc\n"
    with pytest.raises(HistoryError, match="cannot be the zip's top folder"):
        history.zip("../calc")
