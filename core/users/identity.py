"""Who is asking: a user's API token, or a browser's signed session cookie, which holds either the browser's own
identity (BOTARMY_AUTH=browser) or a signed-in user (BOTARMY_AUTH=password).

The cookie is signed and HttpOnly (Starlette's SessionMiddleware, set up by NiceGUI with our storage secret), so a
page script cannot read it and nobody can forge an identity into it.
"""

import asyncio
import hashlib
import os
import secrets
import time
from collections import defaultdict, deque
from collections.abc import Awaitable, Callable, MutableMapping
from pathlib import Path

from core.domain.events import now_ms
from core.storage.user_store import ApiToken, User, UserStore

from . import accounts as users
from .accounts import BROWSER_PREFIX

SESSION_KEY = "botarmy_user"  # {"id": user id, "epoch": the user's epoch when they signed in}
SIGN_IN_ATTEMPTS, SIGN_IN_WINDOW_S = 5, 300  # failed attempts per name and per address, then a wait
SECRET_FILE = "storage_secret"
# Browsers keep a cookie at most 400 days; every visit renews it, so an identity lasts while it is used.
SESSION_MAX_AGE_S = 400 * 24 * 3600


def storage_secret(data_dir: Path, configured: str | None) -> str:
    """The key that signs session cookies: BOTARMY_STORAGE_SECRET, or one made once and kept in the data dir
    (readable by its owner only), so identities and sign-ins survive a restart."""
    if configured:
        return configured
    path = data_dir / SECRET_FILE
    if not path.exists():
        data_dir.mkdir(parents=True, exist_ok=True)
        try:
            descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:  # another process made it just now
            return path.read_text().strip()
        with os.fdopen(descriptor, "w") as file:
            file.write(secrets.token_urlsafe(48))
    return path.read_text().strip()


SESSION_COOKIE = "botarmy_session"
SECRET_REQUIRED = ("BOTARMY_STORAGE_SECRET must be set when scaled out: every web instance signs session cookies "
                   "with it, so it must be the same on all of them.")
SECRET_DIFFERS = ("BOTARMY_STORAGE_SECRET differs from the one the other web instances use (the database remembers a "
                  "fingerprint of the first): set the same value everywhere, or browsers lose their identity when "
                  "they reach this instance.")


def session_cookie(port: int, scaled: bool) -> str:
    """One process is named after its port, like Jupyter's, so two on one host keep their own identities; scaled
    instances share one name, so an identity works on every one of them."""
    return SESSION_COOKIE if scaled else f"{SESSION_COOKIE}_{port}"


def secret_fingerprint(secret: str) -> str:
    """What the database keeps to compare instances' secrets: a hash that cannot sign anything."""
    return hashlib.sha256(b"botarmy storage secret\0" + secret.encode()).hexdigest()


class SignInThrottled(Exception):
    def __init__(self, wait_s: float) -> None:
        super().__init__(f"Too many failed sign-ins. Please try again in {max(1, round(wait_s))} s.")
        self.wait_s = wait_s


def safe_next(path: str | None) -> str:
    """Only a path on this site: a sign-in link must not send the user elsewhere afterwards."""
    path = path or "/"
    return path if path.startswith("/") and not path.startswith(("//", "/\\")) else "/"


class Identity:
    def __init__(self, store: UserStore, mode: str, adopt_unowned_runs: Callable[[str], Awaitable[int]]) -> None:
        """`adopt_unowned_runs(user_id)` gives the runs made before users existed to that user (the run
        catalogue's)."""
        self.store = store
        self.mode = mode
        self._adopt_unowned_runs = adopt_unowned_runs
        self._unowned_runs_given = False
        self._failures: dict[str, deque[float]] = defaultdict(deque)

    @property
    def passwords(self) -> bool:
        return self.mode == "password"

    async def from_token(self, secret: str) -> str | None:
        found = await users.token_owner(self.store, secret)
        if found is None:
            return None
        if found.last_used_ms is None or now_ms() - found.last_used_ms > users.LAST_USED_GRANULARITY_MS:
            await self.store.mark_token_used(found.token_id, now_ms())
        return found.user_id

    async def from_session(self, session: MutableMapping) -> str | None:
        entry = session.get(SESSION_KEY)
        user_id = entry.get("id") if isinstance(entry, dict) else None
        if not isinstance(user_id, str):
            return None
        if user_id.startswith(BROWSER_PREFIX):
            return None if self.passwords else user_id
        user = await self.store.user_by_id(user_id)
        return user_id if user is not None and user.epoch == entry.get("epoch") else None

    async def for_page(self, session: MutableMapping) -> str | None:
        """The page's user; without sign-in, a browser seen for the first time gets its own identity here."""
        user_id = await self.from_session(session)
        if user_id is None and not self.passwords:
            user_id = users.new_browser_identity()
            session[SESSION_KEY] = {"id": user_id}
            await self._give_unowned_runs(user_id)
        return user_id

    async def sign_in(self, session: MutableMapping, name: str, password: str, address: str) -> User | None:
        """Check the password (off the event loop, throttled per name and per address) and sign the session in."""
        keys = (f"name:{name.strip().lower()}", f"address:{address}")
        if wait := max(self._throttle_wait(key) for key in keys):
            raise SignInThrottled(wait)
        user, password_hash = await self.store.password_hash_of(name.strip())
        if not await asyncio.to_thread(users.password_matches, password_hash, password):
            for key in keys:
                self._failures[key].append(time.monotonic())
            return None
        for key in keys:
            self._failures.pop(key, None)
        session[SESSION_KEY] = {"id": user.user_id, "epoch": user.epoch}
        await self._give_unowned_runs(user.user_id)
        return user

    @staticmethod
    def sign_out(session: MutableMapping) -> None:
        session.pop(SESSION_KEY, None)

    async def user(self, user_id: str) -> User | None:
        """The named user behind an id; None for a browser's own identity."""
        return await self.store.user_by_id(user_id)

    async def tokens(self, user_id: str) -> list[ApiToken]:
        return await self.store.list_tokens(user_id)

    async def create_token(self, user_id: str, label: str) -> str:
        """A new API token for the user; the secret is returned once and kept nowhere."""
        _, secret = await users.create_token(self.store, user_id, label)
        return secret

    async def revoke_token(self, user_id: str, token_id: str) -> bool:
        return await self.store.revoke_token(user_id, token_id)

    def _throttle_wait(self, key: str) -> float:
        if key not in self._failures:
            return 0.0
        failures, now = self._failures[key], time.monotonic()
        while failures and now - failures[0] > SIGN_IN_WINDOW_S:
            failures.popleft()
        if not failures:
            del self._failures[key]
            return 0.0
        return SIGN_IN_WINDOW_S - (now - failures[0]) if len(failures) >= SIGN_IN_ATTEMPTS else 0.0

    async def _give_unowned_runs(self, user_id: str) -> None:
        """Runs made before users existed belong to the first identity that appears after the upgrade."""
        if not self._unowned_runs_given:
            self._unowned_runs_given = True
            await self._adopt_unowned_runs(user_id)
