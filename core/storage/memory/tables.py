"""What the in-memory stores keep, shared by them as the SQL stores share a database."""

from dataclasses import dataclass, field

from core.domain.catalogue import RunRow
from core.storage.user_store import ApiToken, User


@dataclass
class MemoryRun:
    row: RunRow
    thread_id: str | None


@dataclass
class MemoryToken:
    user_id: str
    token: ApiToken
    token_hash: str


@dataclass
class MemoryTables:
    runs: dict[str, MemoryRun] = field(default_factory=dict)
    events: dict[str, list[tuple[int, str]]] = field(default_factory=dict)  # run id -> (seq, event as JSON)
    users: dict[str, tuple[User, str | None]] = field(default_factory=dict)  # user id -> (user, password hash)
    tokens: dict[str, MemoryToken] = field(default_factory=dict)  # token id -> token
