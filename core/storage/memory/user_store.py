"""Users and API tokens in memory, for tests that want speed: the contracts of core.storage.user_store (names
compare as SQL's case-insensitive collations compare them)."""

from dataclasses import replace

from core.storage.user_store import ApiToken, TokenUse, User

from .tables import MemoryTables, MemoryToken


def _key(name: str) -> str:
    return name.lower()


class MemoryUserStore:
    def __init__(self, tables: MemoryTables) -> None:
        self._tables = tables

    def _named(self, name: str) -> tuple[User, str | None] | None:
        return next((entry for entry in self._tables.users.values() if _key(entry[0].name) == _key(name)), None)

    async def add_user(self, user_id: str, name: str, password_hash: str | None, created_ms: int) -> User | None:
        if self._named(name) is not None or user_id in self._tables.users:
            return None
        user = User(user_id, name, password_hash is not None, created_ms, 0)
        self._tables.users[user_id] = (user, password_hash)
        return user

    async def find_user(self, name: str) -> User | None:
        entry = self._named(name)
        return entry[0] if entry else None

    async def user_by_id(self, user_id: str) -> User | None:
        entry = self._tables.users.get(user_id)
        return entry[0] if entry else None

    async def password_hash_of(self, name: str) -> tuple[User | None, str | None]:
        return self._named(name) or (None, None)

    async def list_users(self) -> list[User]:
        return sorted((user for user, _ in self._tables.users.values()), key=lambda user: _key(user.name))

    async def set_password(self, name: str, password_hash: str | None) -> bool:
        if (entry := self._named(name)) is None:
            return False
        user = entry[0]
        self._tables.users[user.user_id] = (replace(user, has_password=password_hash is not None,
                                                    epoch=user.epoch + 1), password_hash)
        return True

    async def remove_user(self, name: str) -> User | None:
        if (entry := self._named(name)) is None:
            return None
        user = entry[0]
        del self._tables.users[user.user_id]
        for token_id in [key for key, kept in self._tables.tokens.items() if kept.user_id == user.user_id]:
            del self._tables.tokens[token_id]
        return user

    async def add_token(self, user_id: str, token: ApiToken, token_hash: str) -> None:
        self._tables.tokens[token.token_id] = MemoryToken(user_id, token, token_hash)

    async def list_tokens(self, user_id: str) -> list[ApiToken]:
        owned = [kept.token for kept in self._tables.tokens.values() if kept.user_id == user_id]
        return sorted(owned, key=lambda token: token.created_ms)

    async def revoke_token(self, user_id: str, token_id: str) -> bool:
        kept = self._tables.tokens.get(token_id)
        if kept is None or kept.user_id != user_id:
            return False
        del self._tables.tokens[token_id]
        return True

    async def token_by_hash(self, token_hash: str) -> TokenUse | None:
        kept = next((kept for kept in self._tables.tokens.values() if kept.token_hash == token_hash), None)
        return TokenUse(kept.user_id, kept.token.token_id, kept.token.last_used_ms) if kept else None

    async def mark_token_used(self, token_id: str, when_ms: int) -> None:
        if (kept := self._tables.tokens.get(token_id)) is not None:
            kept.token = replace(kept.token, last_used_ms=when_ms)
