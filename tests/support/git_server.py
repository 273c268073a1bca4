"""A real git server on this machine for the push tests: bare repositories under a folder, served over git's smart
HTTP protocol by dulwich's WSGI application behind HTTP Basic auth, on a free port in a thread. No mock: real git
clients (dulwich's, git's own) clone from it and push to it.

Anyone may clone; pushing takes a token with write access (401 without one or with a wrong one, 403 with a token
that may only read), as GitHub and GitLab answer.
"""

import base64
import binascii
import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from socketserver import ThreadingMixIn
from wsgiref.simple_server import make_server

from dulwich.repo import Repo
from dulwich.server import FileSystemBackend
from dulwich.web import WSGIRequestHandlerLogger, WSGIServerLogger, make_wsgi_chain


class _ThreadingServer(ThreadingMixIn, WSGIServerLogger):
    daemon_threads = True


class _Folder(FileSystemBackend):
    """The repositories under a folder, by their path in the URL (dulwich's web app passes that path absolute,
    which FileSystemBackend would read as a path from the file system's root)."""

    def open_repository(self, path: str | bytes):
        return super().open_repository(os.fsdecode(path).lstrip("/"))


@dataclass
class GitServer:
    root: Path
    port: int
    write_token: str
    read_token: str

    def url(self, name: str) -> str:
        return f"http://127.0.0.1:{self.port}/{name}"

    def create(self, name: str) -> Path:
        """A new, empty bare repository; its folder."""
        path = self.root / name
        Repo.init_bare(str(path), mkdir=True).close()
        return path


def _with_basic_auth(app, tokens: dict[str, str]):
    def guarded(environ, start_response):
        pushing = environ.get("PATH_INFO", "").endswith("/git-receive-pack") or \
            "service=git-receive-pack" in environ.get("QUERY_STRING", "")
        header = environ.get("HTTP_AUTHORIZATION", "")
        access = None
        if header.startswith("Basic "):
            try:
                access = tokens.get(base64.b64decode(header[6:]).decode().partition(":")[2], "wrong")
            except (binascii.Error, UnicodeDecodeError):
                access = "wrong"
        if access == "wrong" or (pushing and access is None):
            start_response("401 Unauthorized", [("WWW-Authenticate", 'Basic realm="git"'),
                                                ("Content-Type", "text/plain")])
            return [b"Authentication required\n"]
        if pushing and access != "write":
            start_response("403 Forbidden", [("Content-Type", "text/plain")])
            return [b"This token may not push\n"]
        return app(environ, start_response)
    return guarded


@contextmanager
def git_http_server(root: Path, write_token: str, read_token: str) -> Iterator[GitServer]:
    root.mkdir(parents=True, exist_ok=True)
    app = _with_basic_auth(make_wsgi_chain(_Folder(str(root))), {write_token: "write", read_token: "read"})
    server = make_server("127.0.0.1", 0, app, server_class=_ThreadingServer, handler_class=WSGIRequestHandlerLogger)
    thread = threading.Thread(target=server.serve_forever, name="git-http-server", daemon=True)
    thread.start()
    try:
        yield GitServer(root, server.server_address[1], write_token, read_token)
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)
