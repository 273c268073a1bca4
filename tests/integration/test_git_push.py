"""Pushing a project's history to a real git server on this machine (git's smart HTTP, Basic auth) and to a bare
repository on disk: what arrives is what real `git clone` gets back, commit ids and bytes alike; every refusal is
one sentence, and the token appears nowhere but in the requests of that push."""

import hashlib
import logging
import subprocess
import traceback

import pytest
from dulwich.repo import Repo

from core.codebase.history import History, Signature, Step, Tag
from core.codebase.push import PushError, push
from tests.support.git_server import git_http_server
from tests.support.server import free_port

TOKEN = "ghp_Wr1teT0ken4Th1sTestOnly9f8e7d6c5b4a"
READ_TOKEN = "ghp_ReadOnlyT0ken4Th1sTest0nly1a2b3c4d"
DEVELOPER = Signature("Developer", "developer@botarmy.invalid")
STEPS = [Step(DEVELOPER, f"Developer: step {n}", 1_700_000_000 + 60 * n,
              {f"src/module_{n}.py": f"VALUE = {n}\n".encode(), "assets/blob.bin": bytes([n, 0, 255])})
         for n in range(3)]


@pytest.fixture
def history():
    return History.build(STEPS, [Tag(1, 0), Tag(2, 2)])


@pytest.fixture
def server(tmp_path):
    with git_http_server(tmp_path / "served", TOKEN, READ_TOKEN) as running:
        yield running


def git(*args, cwd=None) -> str:
    done = subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 0, done.stderr
    return done.stdout


def assert_clone_matches(source: str, history: History, target) -> None:
    git("clone", "-q", "--branch", "main", source, str(target))
    assert git("log", "--format=%H", cwd=target).split() == [commit.id for commit in reversed(history.commits)]
    assert git("tag", cwd=target).split() == ["revision-1", "revision-2"]
    files = history.files()
    assert {path: hashlib.sha256((target / path).read_bytes()).hexdigest() for path in files} == \
        {path: hashlib.sha256(data).hexdigest() for path, data in files.items()}


def refusal(*args, **kwargs) -> PushError:
    with pytest.raises(PushError) as caught:
        push(*args, **kwargs)
    return caught.value


def test_a_push_over_https_arrives_whole_and_git_clone_gets_the_same_commits_and_bytes(server, history, tmp_path):
    bare = server.create("project.git")
    result = push(history, server.url("project.git"), "main", TOKEN)
    assert result.pushed == 3 and result.commit == history.head
    assert result.sentence == f"Pushed 3 commits to main at {server.url('project.git')}."
    assert Repo(str(bare)).refs[b"refs/heads/main"] == history.head.encode()
    assert_clone_matches(server.url("project.git"), history, tmp_path / "clone")


def test_a_second_push_sends_only_what_is_new_and_an_unchanged_one_nothing(server, history):
    server.create("project.git")
    url = server.url("project.git")
    push(history, url, "main", TOKEN)
    assert push(history, url, "main", TOKEN).sentence == f"main at {url} was already up to date."
    history.commit(Step(DEVELOPER, "Developer: one more", 1_700_001_000, {"README.md": b"# More\n"}))
    assert push(history, url, "main", TOKEN).pushed == 1


def test_a_remote_branch_with_other_commits_is_not_overwritten(server, history):
    bare = server.create("project.git")
    url = server.url("project.git")
    push(History.build([Step(DEVELOPER, "someone else's work", 1_600_000_000, {"theirs.txt": b"keep\n"})]), url,
         "main", TOKEN)
    theirs = Repo(str(bare)).refs[b"refs/heads/main"]
    assert str(refusal(history, url, "main", TOKEN)) == (
        f"The branch main at {url} has commits this project does not have, so it was not overwritten: push to a "
        "new branch or an empty repository.")
    assert Repo(str(bare)).refs[b"refs/heads/main"] == theirs
    assert push(history, url, "botarmy", TOKEN).pushed == 3  # a new branch beside theirs is fine


def test_a_wrong_token_is_one_sentence_and_leaks_nowhere(server, history, caplog):
    caplog.set_level(logging.DEBUG)
    bare = server.create("project.git")
    url = server.url("project.git")
    wrong = "ghp_WrongT0kenThatMustNeverAppear0000000"
    error = refusal(history, url, "main", wrong)
    assert str(error) == f"{url} refused the token (401): check that it is right and has not expired."
    told = str(error) + repr(error) + "".join(traceback.format_exception(error))
    assert wrong not in told and wrong not in caplog.text
    on_disk = b"".join(path.read_bytes() for path in bare.rglob("*") if path.is_file())
    assert wrong.encode() not in on_disk
    assert Repo(str(bare)).refs.keys() == {b"HEAD"}  # nothing arrived
    assert wrong.encode() not in repr(history.repository.get_config().items(b"core")).encode()


def test_the_right_token_leaks_nowhere_either(server, history, caplog, tmp_path):
    caplog.set_level(logging.DEBUG)
    bare = server.create("project.git")
    result = push(history, server.url("project.git"), "main", TOKEN)
    assert TOKEN not in repr(result) and TOKEN not in caplog.text
    assert TOKEN.encode() not in b"".join(path.read_bytes() for path in bare.rglob("*") if path.is_file())


def test_a_token_that_may_only_read_or_no_token_is_refused_with_its_own_sentence(server, history):
    server.create("project.git")
    url = server.url("project.git")
    assert str(refusal(history, url, "main", READ_TOKEN)) == \
        f"{url} refused the push (403): the token may not push to this repository."
    assert str(refusal(history, url, "main")) == f"{url} asks for a token: give one that may push to it."


def test_a_missing_repository_and_an_unreachable_server_are_sentences(server, history):
    url = server.url("nothing-here.git")
    assert str(refusal(history, url, "main", TOKEN)) == f"There is no git repository at {url}."
    closed = f"http://127.0.0.1:{free_port()}/project.git"
    assert str(refusal(history, closed, "main", TOKEN, timeout=5)) == \
        "127.0.0.1 cannot be reached: check the address, or try again later."


def test_a_tag_the_remote_has_on_another_commit_is_not_moved(server, history):
    bare = server.create("project.git")
    url = server.url("project.git")
    other = History.build([Step(DEVELOPER, "other", 1_600_000_000, {"x.txt": b"x\n"})], [Tag(1, 0)])
    push(other, url, "other", TOKEN)
    assert str(refusal(history, url, "main", TOKEN)) == \
        f"The tag revision-1 at {url} points at another commit, so it was not moved."
    assert b"refs/heads/main" not in Repo(str(bare)).refs.keys()


def test_a_push_to_a_bare_repository_on_disk_when_paths_are_allowed(history, tmp_path):
    bare = tmp_path / "remote.git"
    Repo.init_bare(str(bare), mkdir=True).close()
    assert str(refusal(history, str(bare), "main")) == \
        "Pushing to a path on the server is turned off: give an https:// URL."
    result = push(history, str(bare), "main", allow_local_paths=True)
    assert result.pushed == 3
    assert_clone_matches(str(bare), history, tmp_path / "clone")
    worktree = tmp_path / "worktree"
    Repo.init(str(worktree), mkdir=True).close()
    assert str(refusal(history, str(worktree), "main", allow_local_paths=True)) == \
        f"{worktree} is not a bare repository: push to one made with `git init --bare`."
    missing = tmp_path / "missing.git"
    assert str(refusal(history, str(missing), "main", allow_local_paths=True)) == \
        f"There is no git repository at {missing}."
    assert str(refusal(history, "relative/path.git", "main", allow_local_paths=True)) == \
        "A path on the server must be absolute (start with /)."
