"""Named users and API tokens as their callers (core.users) see them stored.

The rules (names, password hashing, token secrets and their SHA-256) are core.users.accounts': a store keeps what
it is given, and never sees a token's secret. Implementations: core.storage.sql.user_store (SQLite and PostgreSQL
alike), core.storage.memory.user_store.
"""

from dataclasses import dataclass
from typing import Protocol


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


@dataclass(frozen=True)
class TokenUse:
    """Whose a token is, and when it was last used."""

    user_id: str
    token_id: str
    last_used_ms: int | None


class UserStore(Protocol):
    """Names compare case-insensitively, and are unique that way."""

    async def add_user(self, user_id: str, name: str, password_hash: str | None, created_ms: int) -> User | None:
        """The new user; None when the name is taken."""

    async def find_user(self, name: str) -> User | None: ...

    async def user_by_id(self, user_id: str) -> User | None: ...

    async def password_hash_of(self, name: str) -> tuple[User | None, str | None]: ...

    async def list_users(self) -> list[User]:
        """By name."""

    async def set_password(self, name: str, password_hash: str | None) -> bool:
        """Also moves the user's epoch on: every session signed in before ends."""

    async def remove_user(self, name: str) -> User | None:
        """The user and their tokens; None when there was no such user."""

    async def add_token(self, user_id: str, token: ApiToken, token_hash: str) -> None: ...

    async def list_tokens(self, user_id: str) -> list[ApiToken]:
        """Oldest first."""

    async def revoke_token(self, user_id: str, token_id: str) -> bool:
        """Only the user's own token."""

    async def token_by_hash(self, token_hash: str) -> TokenUse | None: ...

    async def mark_token_used(self, token_id: str, when_ms: int) -> None: ...
