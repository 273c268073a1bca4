"""Values every scaled instance must agree on (such as a fingerprint of the storage secret): the first one written
wins."""

from sqlalchemy import Connection, select
from sqlalchemy.dialects.postgresql import insert as upsert

from .postgres import PgDatabase
from .tables import cluster_facts


def _agree(db: Connection, name: str, value: str) -> str:
    db.execute(upsert(cluster_facts).values(name=name, value=value).on_conflict_do_nothing())
    return db.execute(select(cluster_facts.c.value).where(cluster_facts.c.name == name)).scalar_one()


def agreed_fact(db: PgDatabase, name: str, value: str) -> str:
    """The value every instance agrees on for `name`: `value` if this is the first to say. Synchronous, for checks at
    start-up, before the server answers."""
    return db.now(_agree, name, value)
