"""The web layer's defences, installed in one call: security headers and CSP, CORS, and the request size limit."""

from fastapi.middleware.cors import CORSMiddleware
from starlette.applications import Starlette

from core.settings import Settings

from .body_limit import BodyLimit
from .security_headers import SecurityHeaders

PRIVATE_PREFIXES = ("/api/", "/agui")
MB = 1024 * 1024
DOCS_PATHS = ("/docs", "/redoc")  # FastAPI's defaults, which main.py keeps
# Where a page's file chooser sends its file (NiceGUI's ui.upload): the dashboard's takes a zip of existing code.
PAGE_UPLOADS = r"/_nicegui/client/[^/]+/upload/[^/]+"
# NiceGUI serves the ES modules of the framework and of the page's components (ui/model_content among them) here.
ES_MODULES = r"/_nicegui/[^/]+/esm/"
# The pages draw diagrams and code in a sandboxed frame of their own (ui/model_content/renderer.html), and its scripts
# come from a document with an opaque origin: a module script is fetched with CORS, so modules may be read from
# any origin (they are the same public code for everyone).
FRAMED_PAGES = ES_MODULES + r"[^/]+/renderer\.html"


def install_web_security(app: Starlette, settings: Settings) -> None:
    """Call after adding any middleware that must sit inside these, such as a login check: each call wraps the
    earlier ones, so size limits and headers come first and cover that middleware's answers too.

    NiceGUI's GZip middleware, added by ui.run, wraps them all: the page's nonce is set on uncompressed HTML.
    """
    # A zip of existing code comes to POST /api/runs with the brief beside it, or from the dashboard's chooser: held
    # to the import's limit on the zip (and a form's worth beside it), not to the limit of an ordinary request.
    zip_request = settings.import_zip_mb * MB + settings.max_request_bytes
    app.add_middleware(BodyLimit, max_bytes=settings.max_request_bytes,
                       uploads={"/api/runs": zip_request, PAGE_UPLOADS: zip_request})
    if settings.allowed_origins:
        # Closed unless configured. Cross-origin callers authenticate with bearer tokens, so no cookies are
        # allowed along, and no response header is exposed beyond the CORS-safelisted ones.
        app.add_middleware(CORSMiddleware, allow_origins=settings.allowed_origins,
                           allow_methods=["GET", "POST", "PATCH", "DELETE"],
                           allow_headers=["Authorization", "Content-Type", "Last-Event-ID"],
                           allow_credentials=False, max_age=600)
    app.add_middleware(SecurityHeaders, private_prefixes=PRIVATE_PREFIXES, docs_paths=DOCS_PATHS,
                       framed=FRAMED_PAGES, shared=ES_MODULES, https=settings.secure_cookies)
