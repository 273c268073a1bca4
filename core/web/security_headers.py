"""Security headers on every HTTP answer, and a Content-Security-Policy whose nonce is fresh for each page.

Pure ASGI, so streamed answers (SSE, downloads) pass through unbuffered; only HTML pages are read whole, to put the
nonce on their `<script` tags.
"""

import re
import secrets
from collections.abc import Iterable

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

# The dashboard's pages. Vue compiles NiceGUI's component templates in the browser, hence 'unsafe-eval'; scripts
# are otherwise only our own files and the page's nonce-carrying inline scripts, so an injected inline handler or
# <script> never runs. Quasar, Vue and mermaid set inline styles. No remote images: an image in a model's markdown
# must not beacon a run out. The socket goes to the same origin.
PAGE_POLICY = ("default-src 'self'; script-src 'self' 'nonce-{nonce}' 'unsafe-eval'; "
               "style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; font-src 'self' data:; "
               "connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'")
# FastAPI's /docs and /redoc load Swagger UI and ReDoc from jsdelivr (and ReDoc its fonts from Google). They show
# the public schema only; the dashboard's own pages never load a third-party script.
DOCS_POLICY = ("default-src 'none'; script-src 'nonce-{nonce}' https://cdn.jsdelivr.net; "
               "style-src 'unsafe-inline' https://cdn.jsdelivr.net https://fonts.googleapis.com; "
               "font-src https://fonts.gstatic.com; img-src 'self' data: https://fastapi.tiangolo.com; "
               "worker-src blob:; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'")
# A sandboxed document that the dashboard's pages hold in a frame (the renderer of diagrams and code): this site's
# scripts and inline styles only, no connection, and framed by this site's pages only.
FRAME_POLICY = ("default-src 'none'; script-src 'self'; style-src 'unsafe-inline'; img-src data:; "
                "font-src 'self' data:; frame-ancestors 'self'")
# JSON, event streams, files: nothing in them may run or load anything, even when opened as a document.
INERT_POLICY = "default-src 'none'; frame-ancestors 'none'"

COMMON_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    # Run URLs hold run ids: a link in model output must not carry one to another site. (Not no-referrer: with it
    # Chromium sends `Origin: null` on our own form posts, which the sign-in's origin check rightly refuses.)
    "Referrer-Policy": "same-origin",
    "X-Frame-Options": "DENY",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Cross-Origin-Resource-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=(), payment=(), usb=(), serial=(), hid=(), "
                          "midi=(), display-capture=(), magnetometer=(), gyroscope=(), accelerometer=()",
}
HSTS = ("Strict-Transport-Security", "max-age=31536000")

_SCRIPT_TAG = re.compile(rb"<script(?=[\s>])", re.IGNORECASE)


def with_nonce(html: bytes, nonce: str) -> bytes:
    """Every `<script` tag of the page, with the nonce.

    Safe because model output never forms a tag in NiceGUI's page: element data is embedded as JSON with `<`, `>`,
    `&`, backticks and `$` escaped as HTML entities, and the template escapes the title.
    """
    return _SCRIPT_TAG.sub(b'<script nonce="' + nonce.encode() + b'"', html)


class SecurityHeaders:
    def __init__(self, app: ASGIApp, *, private_prefixes: Iterable[str], docs_paths: Iterable[str],
                 framed: str, shared: str, https: bool) -> None:
        """`framed`: the paths (a regular expression) of documents that this site's pages may frame; `shared`: the
        paths of public code that any origin may read, such as the framed documents' scripts, whose origin is
        opaque."""
        self.app = app
        self.framed, self.shared = re.compile(framed), re.compile(shared)
        self.private_prefixes = tuple(private_prefixes)
        self.docs_paths = tuple(docs_paths)
        self.docs_prefixes = tuple(f"{path}/" for path in self.docs_paths)  # Swagger's OAuth2 redirect page
        self.extra = [HSTS] if https else []

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path: str = scope["path"]
        private = path.startswith(self.private_prefixes)
        docs = path in self.docs_paths or path.startswith(self.docs_prefixes)
        framed = self.framed.fullmatch(path) is not None
        shared = self.shared.match(path) is not None
        nonce = secrets.token_urlsafe(18)
        start: Message | None = None
        body: list[bytes] = []

        async def send_with_headers(message: Message) -> None:
            nonlocal start
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                is_html = headers.get("content-type", "").startswith("text/html")
                policy = (FRAME_POLICY if framed else DOCS_POLICY if docs else PAGE_POLICY) if is_html \
                    else INERT_POLICY
                headers["Content-Security-Policy"] = policy.format(nonce=nonce)
                for name, value in [*COMMON_HEADERS.items(), *self.extra]:
                    headers[name] = value
                if framed:
                    headers["X-Frame-Options"] = "SAMEORIGIN"
                if shared:
                    headers["Access-Control-Allow-Origin"] = "*"
                if private and "cache-control" not in headers:
                    headers["Cache-Control"] = "no-store"  # a user's runs, never kept by a browser or proxy
                if is_html:
                    start = message  # held until the whole page is here: its length changes
                    return
            elif start is not None:
                body.append(message.get("body", b""))
                if message.get("more_body", False):
                    return
                await send_page(start, b"".join(body))
                return
            await send(message)

        async def send_page(head: Message, page: bytes) -> None:
            if page:  # a HEAD request has no page to change
                page = with_nonce(page, nonce)
                MutableHeaders(scope=head)["Content-Length"] = str(len(page))
            await send(head)
            await send({"type": "http.response.body", "body": page})

        await self.app(scope, receive, send_with_headers)
