"""The rules of named users, their passwords and everyone's API tokens; the store that keeps them is a UserStore
(core.storage.user_store), beside the runs: in the SQLite file, or in PostgreSQL when scaled.

Passwords are hashed with Argon2id; tokens are random and only their SHA-256 reaches the store, so neither a copy of
the database nor a log line can be used to sign in.
"""

import functools
import hashlib
import re
import secrets

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from core.domain.events import now_ms
from core.domain.inputs import InputError
from core.storage.user_store import ApiToken, TokenUse, User, UserStore

TOKEN_PREFIX = "bat_"
# Identities: a browser's own ("b-…", minted for its cookie) or a named user's ("u-…", from this table).
BROWSER_PREFIX, NAMED_PREFIX = "b-", "u-"
NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._@-]{0,63}")
MIN_PASSWORD_CHARS, MAX_PASSWORD_CHARS = 8, 1024
MAX_TOKEN_LABEL_CHARS = 60
# Seen every this often at most: a busy token must not turn every API call into a write.
LAST_USED_GRANULARITY_MS = 60_000

_hasher = PasswordHasher()


@functools.cache
def _dummy_hash() -> str:
    """Verified when the name is unknown, so a wrong name takes as long as a wrong password; made on first use, not
    at import (it is slow on purpose, and most processes never check a password)."""
    return _hasher.hash(secrets.token_urlsafe(16))


def new_browser_identity() -> str:
    return BROWSER_PREFIX + secrets.token_urlsafe(16)


def check_name(name: str) -> str:
    name = (name or "").strip()
    if not NAME.fullmatch(name):
        raise InputError("A user name is 1 to 64 letters, digits, '.', '_', '@' or '-', starting with a letter or "
                         "digit.")
    return name


def check_password(password: str) -> str:
    if not MIN_PASSWORD_CHARS <= len(password or "") <= MAX_PASSWORD_CHARS:
        raise InputError(f"A password is {MIN_PASSWORD_CHARS} to {MAX_PASSWORD_CHARS} characters long.")
    return password


def hash_password(password: str) -> str:
    """Slow on purpose (tens of milliseconds): call it off the event loop."""
    return _hasher.hash(check_password(password))


def password_matches(password_hash: str | None, password: str) -> bool:
    """Constant work whether or not the user exists; off the event loop too."""
    try:
        return _hasher.verify(password_hash or _dummy_hash(), password) and password_hash is not None
    except (VerificationError, InvalidHashError):
        return False


async def add_user(store: UserStore, name: str, password_hash: str | None) -> User:
    """A new named user; `password_hash` None makes one that only uses API tokens."""
    name = check_name(name)
    user = await store.add_user(NAMED_PREFIX + secrets.token_urlsafe(12), name, password_hash, now_ms())
    if user is None:
        raise InputError(f"A user named {name!r} exists already.")
    return user


def token_digest(secret: str) -> str:
    """What the store keeps of a token: its SHA-256."""
    return hashlib.sha256(secret.encode()).hexdigest()


async def create_token(store: UserStore, user_id: str, label: str) -> tuple[ApiToken, str]:
    """A new token for the user: the record, and the secret itself, which is shown once and never stored."""
    label = " ".join((label or "").split())[:MAX_TOKEN_LABEL_CHARS] or "API token"
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(secrets.token_hex(8), label, secret[:len(TOKEN_PREFIX) + 4] + "…", now_ms(), None)
    await store.add_token(user_id, token, token_digest(secret))
    return token, secret


async def token_owner(store: UserStore, secret: str) -> TokenUse | None:
    """Whose the token is, or None for one that does not exist (any more)."""
    if not secret.startswith(TOKEN_PREFIX) or len(secret) > 200:
        return None
    return await store.token_by_hash(token_digest(secret))
