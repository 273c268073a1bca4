"""What a push refuses before it connects anywhere: remotes it cannot or must not push to, tokens it must not send,
branch names git refuses. Pushes to a real server are in tests/integration/test_git_push.py."""

import pytest

from core.codebase.history import History, Signature, Step
from core.codebase.push import PushError, push

HISTORY = History.build([Step(Signature("Developer", "developer@botarmy.invalid"), "one", 1, {"a.py": b"x\n"})])
TOKEN = "ghp_S3cretT0kenNeverShown0000000000000000"


def refusal(remote, branch="main", token=TOKEN, history=HISTORY, **options) -> str:
    with pytest.raises(PushError) as caught:
        push(history, remote, branch, token, **options)
    assert TOKEN not in str(caught.value)
    return str(caught.value)


@pytest.mark.parametrize("remote", ["ssh://git@github.com/owner/repo.git", "git@github.com:owner/repo.git",
                                    "git://github.com/owner/repo.git", "ftp://example.com/repo.git",
                                    "file:///srv/git/repo.git", "javascript://alert(1)"])
def test_only_http_remotes_and_paths_are_pushed_to(remote):
    assert refusal(remote) == ("Only https:// (or http://) remotes can be pushed to; SSH and other schemes are not "
                               "supported.")


@pytest.mark.parametrize("remote", ["https://someone:hunter2@github.com/owner/repo.git",
                                    "https://ghp_abc@github.com/owner/repo.git", "https://@github.com/o/r.git"])
def test_a_url_with_credentials_in_it_is_refused_without_repeating_them(remote):
    sentence = refusal(remote)
    assert sentence == ("The URL holds a user name or password: give the URL without it, and the token in its own "
                        "field.")
    assert "hunter2" not in sentence and "ghp_abc" not in sentence


@pytest.mark.parametrize("remote", ["", "   ", "https://github.com/owner/my repo.git", "https://github.com/o/\nr.git",
                                    "https:///owner/repo.git", "https://github.com:99999/o/r.git",
                                    "https://github.com/o/r.git?x=1", "https://github.com/o/r.git#main"])
def test_what_is_not_a_remote_url_is_refused(remote):
    assert refusal(remote) == ("That is not a remote git can push to: give an https:// URL or, if allowed, a path on "
                               "the server.")


def test_a_token_goes_over_plain_http_only_to_this_machine():
    assert refusal("http://git.example.com/o/r.git") == \
        "A token is only sent over https:// (plain http:// is accepted for this machine only)."


def test_a_token_that_could_break_a_header_is_refused():
    with pytest.raises(PushError, match="The token holds characters a token cannot have."):
        push(HISTORY, "https://github.com/o/r.git", "main", "abc\r\nX-Injected: 1")


def test_paths_on_the_server_are_off_unless_the_caller_allows_them():
    assert refusal("/srv/git/repo.git") == "Pushing to a path on the server is turned off: give an https:// URL."
    assert refusal("repo.git", allow_local_paths=True) == "A path on the server must be absolute (start with /)."


def test_branch_names_git_refuses_and_an_empty_history_are_sentences():
    assert refusal("https://github.com/o/r.git", branch="bad..name") == \
        "'bad..name' is not a name git accepts for a branch."
    assert refusal("https://github.com/o/r.git", history=History()) == \
        "There is nothing to push yet: the project has no commit."
