"""Named users, their passwords and everyone's API tokens, beside the event log: in its SQLite file, or in its
PostgreSQL database when scaled (the same SQL, with `?` placeholders, runs on both).

Plain functions on a connection: the server runs them on the store's threads, the `users` command line directly.
Passwords are hashed with Argon2id; tokens are random and only their SHA-256 is kept, so neither a copy of the
database nor a log line can be used to sign in.
"""

import hashlib
import re
import secrets
from dataclasses import dataclass
from typing import Any, Protocol

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from core.domain.events import now_ms
from core.domain.inputs import InputError
from core.eventlog.protocols import EventStore

# One text for both databases: BIGINT has SQLite's integer affinity, and NOCASE names SQLite's own collation or,
# in PostgreSQL (where names fold to lower case), the `nocase` one PG_SCHEMA makes first.
SCHEMA = """
CREATE TABLE IF NOT EXISTS users (
    user_id       TEXT PRIMARY KEY,
    name          TEXT COLLATE NOCASE NOT NULL UNIQUE,
    password_hash TEXT,
    created_ms    BIGINT NOT NULL,
    epoch         INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS api_tokens (
    token_id     TEXT PRIMARY KEY,
    user_id      TEXT NOT NULL,
    token_hash   TEXT NOT NULL UNIQUE,
    label        TEXT NOT NULL,
    hint         TEXT NOT NULL,
    created_ms   BIGINT NOT NULL,
    last_used_ms BIGINT
);
CREATE INDEX IF NOT EXISTS api_tokens_by_user ON api_tokens (user_id, created_ms);
"""
PG_SCHEMA = ("CREATE COLLATION IF NOT EXISTS nocase (provider = icu, locale = 'und-u-ks-level2', "
             "deterministic = false);" + SCHEMA)


class Connection(Protocol):
    """sqlite3's connection, or PostgreSQL's as core.eventlog.pg_store lends it (which takes `?` placeholders too)."""

    IntegrityError: type[Exception]

    def execute(self, sql: str, parameters: tuple = ...) -> Any: ...


TOKEN_PREFIX = "bat_"
# Identities: a browser's own ("b-…", minted for its cookie) or a named user's ("u-…", from this table).
BROWSER_PREFIX, NAMED_PREFIX = "b-", "u-"
NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._@-]{0,63}")
MIN_PASSWORD_CHARS, MAX_PASSWORD_CHARS = 8, 1024
MAX_TOKEN_LABEL_CHARS = 60
# Seen every this often at most: a busy token must not turn every API call into a write.
LAST_USED_GRANULARITY_MS = 60_000

_hasher = PasswordHasher()
# Verified when the name is unknown, so a wrong name takes as long as a wrong password.
_DUMMY_HASH = _hasher.hash(secrets.token_urlsafe(16))


@dataclass(frozen=True)
class User:
    user_id: str
    name: str
    has_password: bool
    created_ms: int
    epoch: int  # changes with the password or removal: sessions signed in before are no longer valid


@dataclass(frozen=True)
class ApiToken:
    token_id: str
    label: str
    hint: str  # the token's first characters, to tell tokens apart
    created_ms: int
    last_used_ms: int | None


def create_tables(store: EventStore) -> None:
    store.add_tables(PG_SCHEMA if store.dialect == "postgresql" else SCHEMA)


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
        return _hasher.verify(password_hash or _DUMMY_HASH, password) and password_hash is not None
    except (VerificationError, InvalidHashError):
        return False


_USER_COLUMNS = "user_id, name, password_hash IS NOT NULL, created_ms, epoch"


def _user(row) -> User | None:
    return User(row[0], row[1], bool(row[2]), row[3], row[4]) if row else None


def find_user(db: Connection, name: str) -> User | None:
    return _user(db.execute(f"SELECT {_USER_COLUMNS} FROM users WHERE name = ?", (name.strip(),)).fetchone())


def user_by_id(db: Connection, user_id: str) -> User | None:
    return _user(db.execute(f"SELECT {_USER_COLUMNS} FROM users WHERE user_id = ?", (user_id,)).fetchone())


def password_hash_of(db: Connection, name: str) -> tuple[User | None, str | None]:
    row = db.execute(f"SELECT {_USER_COLUMNS}, password_hash FROM users WHERE name = ?", (name.strip(),)).fetchone()
    return (_user(row), row[5]) if row else (None, None)


def list_users(db: Connection) -> list[User]:
    return [_user(row) for row in db.execute(f"SELECT {_USER_COLUMNS} FROM users ORDER BY name")]


def add_user(db: Connection, name: str, password_hash: str | None) -> User:
    """A new named user; `password_hash` None makes one that only uses API tokens."""
    name = check_name(name)
    user_id = NAMED_PREFIX + secrets.token_urlsafe(12)
    try:
        db.execute("INSERT INTO users (user_id, name, password_hash, created_ms) VALUES (?, ?, ?, ?)",
                   (user_id, name, password_hash, now_ms()))
    except db.IntegrityError:  # sqlite3's or psycopg's: both connections name their own
        raise InputError(f"A user named {name!r} exists already.") from None
    return user_by_id(db, user_id)


def set_password(db: Connection, name: str, password_hash: str | None) -> bool:
    """Also signs the user out everywhere."""
    return db.execute("UPDATE users SET password_hash = ?, epoch = epoch + 1 WHERE name = ?",
                      (password_hash, name.strip())).rowcount == 1


def remove_user(db: Connection, name: str) -> User | None:
    """The user and their tokens; their runs stay in the database, owned by nobody who can sign in."""
    user = find_user(db, name)
    if user is not None:
        db.execute("DELETE FROM api_tokens WHERE user_id = ?", (user.user_id,))
        db.execute("DELETE FROM users WHERE user_id = ?", (user.user_id,))
    return user


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def create_token(db: Connection, user_id: str, label: str) -> tuple[ApiToken, str]:
    """A new token for the user: the record, and the secret itself, which is shown once and never stored."""
    label = " ".join((label or "").split())[:MAX_TOKEN_LABEL_CHARS] or "API token"
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(secrets.token_hex(8), label, secret[:len(TOKEN_PREFIX) + 4] + "…", now_ms(), None)
    db.execute("INSERT INTO api_tokens (token_id, user_id, token_hash, label, hint, created_ms) "
               "VALUES (?, ?, ?, ?, ?, ?)",
               (token.token_id, user_id, _digest(secret), token.label, token.hint, token.created_ms))
    return token, secret


def list_tokens(db: Connection, user_id: str) -> list[ApiToken]:
    rows = db.execute("SELECT token_id, label, hint, created_ms, last_used_ms FROM api_tokens WHERE user_id = ? "
                      "ORDER BY created_ms", (user_id,))
    return [ApiToken(*row) for row in rows]


def revoke_token(db: Connection, user_id: str, token_id: str) -> bool:
    return db.execute("DELETE FROM api_tokens WHERE user_id = ? AND token_id = ?",
                      (user_id, token_id)).rowcount == 1


def token_owner(db: Connection, secret: str) -> tuple[str, str, int | None] | None:
    """(user id, token id, last used) of a token, or None for one that does not exist (any more)."""
    if not secret.startswith(TOKEN_PREFIX) or len(secret) > 200:
        return None
    return db.execute("SELECT user_id, token_id, last_used_ms FROM api_tokens WHERE token_hash = ?",
                      (_digest(secret),)).fetchone()


def mark_token_used(db: Connection, token_id: str) -> None:
    db.execute("UPDATE api_tokens SET last_used_ms = ? WHERE token_id = ?", (now_ms(), token_id))
