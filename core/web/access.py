"""HTTP access: who calls the API (a bearer token, or the browser's session cookie), the origin check that keeps
other sites from acting with a visitor's cookie, and the sign-in and sign-out form posts of the dashboard."""

from collections.abc import Awaitable, Callable
from urllib.parse import urlencode, urlsplit

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import RedirectResponse
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from core.users.identity import Identity, SignInThrottled, safe_next

from .problems import problem

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
NO_CREDENTIALS = ("Sign in, or send an API token as `Authorization: Bearer <token>` (create one on the Account page "
                  "or with `python main.py users token NAME`).")
INVALID_TOKEN = "This API token is not valid: it may have been revoked. Create a new one on the Account page."
CROSS_SITE = "Refused: this request came from another site with your browser's cookie."
AUTH_ERRORS = {401: problem("No valid API token or session."),
               403: problem("A request from another site carrying the browser's cookie.")}

bearer = HTTPBearer(auto_error=False, scheme_name="apiToken",
                    description="A user's API token (`bat_…`): from the Account page, or "
                                "`python main.py users token NAME`.")

Caller = Callable[..., Awaitable[str]]


def same_origin(request: Request, allowed_origins: list[str]) -> bool:
    """The request was sent by our own pages (or an allowed origin): browsers name the sender in Origin or Referer."""
    origin = request.headers.get("origin") or _origin_of(request.headers.get("referer", ""))
    if not origin or origin == "null":
        return False
    return origin.rstrip("/") in allowed_origins or urlsplit(origin).netloc == request.headers.get("host")


def _origin_of(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}" if parts.scheme and parts.netloc else ""


def caller_dependency(identity: Identity, allowed_origins: list[str]) -> Caller:
    """A FastAPI dependency that yields the calling user's id, or answers 401 / 403 before the endpoint runs."""

    async def caller(request: Request, credentials: HTTPAuthorizationCredentials | None = Depends(bearer)) -> str:
        if "authorization" in request.headers:  # a token was meant: a bad one never falls back to the cookie
            user_id = await identity.from_token(credentials.credentials) if credentials else None
            if user_id is None:
                raise HTTPException(401, INVALID_TOKEN, headers={"WWW-Authenticate": 'Bearer error="invalid_token"'})
            return user_id
        user_id = await identity.from_session(request.session) if "session" in request.scope else None
        if user_id is None:
            raise HTTPException(401, NO_CREDENTIALS, headers={"WWW-Authenticate": "Bearer"})
        if request.method not in SAFE_METHODS and not same_origin(request, allowed_origins):
            raise HTTPException(403, CROSS_SITE)
        return user_id

    return caller


def see_other(path: str) -> RedirectResponse:
    return RedirectResponse(path, status_code=303)


def to_sign_in(next_path: str, **query: str | int) -> RedirectResponse:
    """To the sign-in page, which leads back to `next_path`; `query`: what it says (an error, a wait)."""
    return see_other(f"/login?{urlencode({**query, 'next': next_path})}")


class PageRedirects:
    """What a page answers instead of itself (ui.pages), made here: the UI speaks no HTTP framework."""

    to_sign_in = staticmethod(to_sign_in)
    see_other = staticmethod(see_other)


def sign_in_router(identity: Identity, allowed_origins: list[str]) -> APIRouter:
    """The sign-in page's form posts here, so the session cookie is set by a plain HTTP response."""
    router = APIRouter(prefix="/auth", include_in_schema=False)

    @router.post("/login")
    async def sign_in(request: Request) -> RedirectResponse:
        form = await request.form()
        next_path = safe_next(str(form.get("next", "")))
        if not identity.passwords:
            return see_other(next_path)
        if not same_origin(request, allowed_origins):
            return to_sign_in(next_path, error="cross-site")
        name, password = str(form.get("username", "")), str(form.get("password", ""))
        address = request.client.host if request.client else "unknown"
        try:
            user = await identity.sign_in(request.session, name, password, address)
        except SignInThrottled as throttled:
            return to_sign_in(next_path, error="throttled", wait=max(1, round(throttled.wait_s)))
        if user is None:
            return to_sign_in(next_path, error="wrong")
        return see_other(next_path)

    @router.post("/logout")
    async def sign_out(request: Request) -> RedirectResponse:
        if not same_origin(request, allowed_origins):
            raise HTTPException(403, CROSS_SITE)
        identity.sign_out(request.session)
        return see_other("/login" if identity.passwords else "/")

    return router
