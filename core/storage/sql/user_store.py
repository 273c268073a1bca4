"""Users and API tokens in SQL: one statement per operation, the same for SQLite and PostgreSQL."""

from sqlalchemy import Connection, delete, insert, select, update
from sqlalchemy.exc import IntegrityError

from core.storage.user_store import ApiToken, TokenUse, User

from .database import Database, rowcount
from .tables import api_tokens, users

_USER = (users.c.user_id, users.c.name, users.c.password_hash.is_not(None), users.c.created_ms, users.c.epoch)
_TOKEN = (api_tokens.c.token_id, api_tokens.c.label, api_tokens.c.hint, api_tokens.c.created_ms,
          api_tokens.c.last_used_ms)


def _user(values) -> User | None:
    return User(values[0], values[1], bool(values[2]), values[3], values[4]) if values else None


def _one_user(db: Connection, condition) -> User | None:
    return _user(db.execute(select(*_USER).where(condition)).first())


def _with_hash(db: Connection, name: str) -> tuple[User | None, str | None]:
    values = db.execute(select(*_USER, users.c.password_hash).where(users.c.name == name)).first()
    return (_user(values), values[5]) if values else (None, None)


def _all_users(db: Connection) -> list[User]:
    return [_user(values) for values in db.execute(select(*_USER).order_by(users.c.name))]


def _remove(db: Connection, name: str) -> User | None:
    user = _one_user(db, users.c.name == name)
    if user is not None:
        db.execute(delete(api_tokens).where(api_tokens.c.user_id == user.user_id))
        db.execute(delete(users).where(users.c.user_id == user.user_id))
    return user


def _tokens(db: Connection, user_id: str) -> list[ApiToken]:
    rows = db.execute(select(*_TOKEN).where(api_tokens.c.user_id == user_id).order_by(api_tokens.c.created_ms))
    return [ApiToken(*values) for values in rows]


def _token_use(db: Connection, token_hash: str) -> TokenUse | None:
    values = db.execute(select(api_tokens.c.user_id, api_tokens.c.token_id, api_tokens.c.last_used_ms)
                        .where(api_tokens.c.token_hash == token_hash)).first()
    return TokenUse(*values) if values else None


class SqlUserStore:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def add_user(self, user_id: str, name: str, password_hash: str | None, created_ms: int) -> User | None:
        try:
            await self._db.write(rowcount, insert(users).values(user_id=user_id, name=name, password_hash=password_hash,
                                                               created_ms=created_ms))
        except IntegrityError:  # the name, in any case
            return None
        return User(user_id, name, password_hash is not None, created_ms, 0)

    async def find_user(self, name: str) -> User | None:
        return await self._db.read(_one_user, users.c.name == name)

    async def user_by_id(self, user_id: str) -> User | None:
        return await self._db.read(_one_user, users.c.user_id == user_id)

    async def password_hash_of(self, name: str) -> tuple[User | None, str | None]:
        return await self._db.read(_with_hash, name)

    async def list_users(self) -> list[User]:
        return await self._db.read(_all_users)

    async def set_password(self, name: str, password_hash: str | None) -> bool:
        changed = update(users).where(users.c.name == name).values(password_hash=password_hash,
                                                                    epoch=users.c.epoch + 1)
        return await self._db.write(rowcount, changed) == 1

    async def remove_user(self, name: str) -> User | None:
        return await self._db.write(_remove, name)

    async def add_token(self, user_id: str, token: ApiToken, token_hash: str) -> None:
        await self._db.write(rowcount, insert(api_tokens).values(
            token_id=token.token_id, user_id=user_id, token_hash=token_hash, label=token.label, hint=token.hint,
            created_ms=token.created_ms))

    async def list_tokens(self, user_id: str) -> list[ApiToken]:
        return await self._db.read(_tokens, user_id)

    async def revoke_token(self, user_id: str, token_id: str) -> bool:
        revoked = delete(api_tokens).where(api_tokens.c.user_id == user_id, api_tokens.c.token_id == token_id)
        return await self._db.write(rowcount, revoked) == 1

    async def token_by_hash(self, token_hash: str) -> TokenUse | None:
        return await self._db.read(_token_use, token_hash)

    async def mark_token_used(self, token_id: str, when_ms: int) -> None:
        await self._db.write(rowcount, update(api_tokens).where(api_tokens.c.token_id == token_id)
                             .values(last_used_ms=when_ms))
