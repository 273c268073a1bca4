"""Pushes a project's history to a git remote the user names: an https:// URL with a token, or a bare repository on
this server's disk (only when the caller allows paths).

The token is used for this one push: it travels in the Authorization header of these requests only (never to
another origin, dulwich sees to that), and it is never written to a repository's config, a result, an exception or
a log line. Every way a push can fail is one sentence. Blocking network I/O with a time limit: run it in a thread.
"""

import ipaddress
import re
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from dulwich.client import GitClient, HttpGitClient, HTTPProxyUnauthorized, HTTPUnauthorized, LocalGitClient
from dulwich.errors import GitProtocolError, HangupException, NotGitRepository, SendPackError
from dulwich.refs import check_ref_format
from dulwich.repo import Repo

from .history import History

TOKEN_USER = "x-access-token"  # the user name GitHub expects beside a token; GitLab and Gitea take any name
TIMEOUT_S = 30.0
_STATUS = re.compile(r"\bresp (\d{3})\b")
_SCP_LIKE = re.compile(r"^[^/\\]*:")  # git@host:owner/repo.git

EMPTY = "There is nothing to push yet: the project has no commit."
INVALID_URL = "That is not a remote git can push to: give an https:// URL or, if allowed, a path on the server."
UNSUPPORTED = "Only https:// (or http://) remotes can be pushed to; SSH and other schemes are not supported."
CREDENTIALS_IN_URL = "The URL holds a user name or password: give the URL without it, and the token in its own field."
INSECURE = "A token is only sent over https:// (plain http:// is accepted for this machine only)."
BAD_TOKEN = "The token holds characters a token cannot have."
LOCAL_OFF = "Pushing to a path on the server is turned off: give an https:// URL."
NOT_ABSOLUTE = "A path on the server must be absolute (start with /)."
BAD_BRANCH = "{branch!r} is not a name git accepts for a branch."
NOT_FOUND = "There is no git repository at {remote}."
NOT_BARE = "{remote} is not a bare repository: push to one made with `git init --bare`."
NEEDS_TOKEN = "{remote} asks for a token: give one that may push to it."
WRONG_TOKEN = "{remote} refused the token (401): check that it is right and has not expired."
FORBIDDEN = "{remote} refused the push (403): the token may not push to this repository."
PROXY = "The proxy between this server and {remote} asks for credentials."
HTTP_ERROR = "{remote} answered with HTTP {status}; nothing was pushed."
UNREACHABLE = "{host} cannot be reached: check the address, or try again later."
CERTIFICATE = "{host}'s certificate could not be verified, so nothing was sent to it."
HUNG_UP = "{remote} closed the connection during the push; nothing may have been pushed."
NON_FAST_FORWARD = ("The branch {branch} at {remote} has commits this project does not have, so it was not "
                    "overwritten: push to a new branch or an empty repository.")
TAG_TAKEN = "The tag {tag} at {remote} points at another commit, so it was not moved."
REFUSED = "{remote} refused {ref}: {reason}"
FAILED = "The push to {remote} failed ({reason})."
PUSHED = "Pushed {count} commit{plural} to {branch} at {remote}."
UP_TO_DATE = "{branch} at {remote} was already up to date."


class PushError(Exception):
    """The push did not happen (or not whole); the message is one sentence for the user."""


@dataclass(frozen=True)
class PushResult:
    remote: str
    branch: str
    commit: str
    pushed: int  # commits the remote did not have
    sentence: str


def push(history: History, remote: str, branch: str = "main", token: str | None = None, *,
         allow_local_paths: bool = False, timeout: float = TIMEOUT_S) -> PushResult:
    """Pushes every commit to `branch` and every revision's tag; PushError with its sentence otherwise."""
    try:
        return _push(history, remote.strip(), branch, token or None, allow_local_paths, timeout)
    except PushError as error:
        raise PushError(_scrub(str(error), token)) from None


def _push(history: History, remote: str, branch: str, token: str | None, allow_local: bool,
          timeout: float) -> PushResult:
    if history.head is None:
        raise PushError(EMPTY)
    if not branch or not check_ref_format(f"refs/heads/{branch}".encode()):
        raise PushError(BAD_BRANCH.format(branch=branch))
    client, path = _client(remote, token, allow_local, timeout)
    ids = [commit.id for commit in history.commits]
    wanted = {f"refs/heads/{branch}".encode(): history.head.encode()}
    wanted |= {f"refs/tags/{history.tag_name(revision)}".encode(): commit.encode()
               for revision, commit in history.tags.items()}
    before: dict[bytes, bytes] = {}

    def update_refs(refs: dict[bytes, bytes]) -> dict[bytes, bytes]:
        before.update(refs)
        for ref, new in wanted.items():
            old = refs.get(ref)
            if old is None or old == new:
                continue
            if ref.startswith(b"refs/tags/"):
                raise PushError(TAG_TAKEN.format(tag=ref.removeprefix(b"refs/tags/").decode(), remote=remote))
            if old.decode() not in ids:  # the history is one line: every commit of it is an ancestor of the head
                raise PushError(NON_FAST_FORWARD.format(branch=branch, remote=remote))
        return wanted  # the refs to set; the remote's others stay as they are

    try:
        result = client.send_pack(path, update_refs, history.repository.generate_pack_data)
    except PushError:
        raise
    except Exception as error:  # every failure of the transport becomes its sentence
        raise PushError(_sentence(error, remote, token)) from None
    finally:
        client.close()
    for ref, reason in (result.ref_status or {}).items():
        if reason:
            raise PushError(REFUSED.format(remote=remote, ref=ref.decode(errors="replace"), reason=_clean(reason)))
    old = before.get(f"refs/heads/{branch}".encode())
    pushed = len(ids) - (ids.index(old.decode()) + 1 if old else 0)
    sentence = (PUSHED if pushed else UP_TO_DATE).format(count=pushed, plural="" if pushed == 1 else "s",
                                                         branch=branch, remote=remote)
    return PushResult(remote, branch, history.head, pushed, sentence)


def _client(remote: str, token: str | None, allow_local: bool, timeout: float) -> tuple[GitClient, str]:
    if not remote or any(not char.isprintable() or char.isspace() for char in remote):
        raise PushError(INVALID_URL)
    if "://" in remote:
        return _http_client(remote, token, timeout)
    if _SCP_LIKE.match(remote):
        raise PushError(UNSUPPORTED)
    if not allow_local:
        raise PushError(LOCAL_OFF)
    if not remote.startswith("/"):
        raise PushError(NOT_ABSOLUTE)
    try:
        with Repo(remote) as repo:
            bare = repo.bare
    except (NotGitRepository, OSError):
        raise PushError(NOT_FOUND.format(remote=remote)) from None
    if not bare:
        raise PushError(NOT_BARE.format(remote=remote))
    return LocalGitClient(), str(Path(remote))


def _http_client(remote: str, token: str | None, timeout: float) -> tuple[GitClient, str]:
    try:
        parts = urlsplit(remote)
        port = parts.port
    except ValueError:
        raise PushError(INVALID_URL) from None
    if parts.scheme.lower() not in ("http", "https"):
        raise PushError(UNSUPPORTED)
    if parts.username is not None or parts.password is not None or "@" in parts.netloc:
        raise PushError(CREDENTIALS_IN_URL)
    if not parts.hostname or parts.query or parts.fragment:
        raise PushError(INVALID_URL)
    if token is not None:
        if not all(33 <= ord(char) < 127 for char in token) or len(token) > 4096:
            raise PushError(BAD_TOKEN)
        if parts.scheme.lower() == "http" and not _this_machine(parts.hostname):
            raise PushError(INSECURE)
    base = f"{parts.scheme.lower()}://{parts.hostname if ':' not in parts.hostname else f'[{parts.hostname}]'}"
    base += f":{port}/" if port else "/"
    client = HttpGitClient(base, username=TOKEN_USER if token else None, password=token, timeout=timeout)
    return client, parts.path or "/"


def _this_machine(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _sentence(error: Exception, remote: str, token: str | None) -> str:
    host = urlsplit(remote).hostname or remote
    if isinstance(error, HTTPUnauthorized):
        return (WRONG_TOKEN if token else NEEDS_TOKEN).format(remote=remote)
    if isinstance(error, HTTPProxyUnauthorized):
        return PROXY.format(remote=remote)
    if isinstance(error, NotGitRepository):
        return NOT_FOUND.format(remote=remote)
    if isinstance(error, HangupException):
        return HUNG_UP.format(remote=remote)
    if isinstance(error, SendPackError):
        return REFUSED.format(remote=remote, ref="the push", reason=_clean(str(error)))
    if isinstance(error, GitProtocolError):
        if status := _STATUS.search(str(error)):
            code = int(status.group(1))
            return FORBIDDEN.format(remote=remote) if code == 403 else HTTP_ERROR.format(remote=remote, status=code)
        cause = repr(error.__cause__) + str(error)
        if "SSL" in cause or "CERTIFICATE" in cause.upper():
            return CERTIFICATE.format(host=host)
        if error.__cause__ is not None:
            return UNREACHABLE.format(host=host)
    return FAILED.format(remote=remote, reason=_clean(type(error).__name__))


def _clean(reason: str) -> str:
    """A remote's own words, made safe to show: one line, printable, short."""
    text = " ".join("".join(char if char.isprintable() else " " for char in reason).split())
    return (text[:200] + "…" if len(text) > 200 else text) or "no reason given"


def _scrub(sentence: str, token: str | None) -> str:
    """Whatever a remote echoed back, the token never leaves in a sentence."""
    return sentence.replace(token, "***") if token else sentence
