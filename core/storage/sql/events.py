"""A run's events as rows, the same on SQLite and PostgreSQL: written by the appends, read from a sequence number."""

from sqlalchemy import Connection, insert, select

from core.domain.events import StoredEvent, parse_event

from .precompiled import Precompiled
from .tables import events

INSERT_EVENTS = Precompiled(insert(events))


def event_rows(stored: list[StoredEvent]) -> list[dict]:
    return [{"run_id": item.run_id, "seq": item.seq, "type": item.event.type.value, "payload": item.event_json()}
            for item in stored]


def read_events(db: Connection, run_id: str, after_seq: int) -> list[StoredEvent]:
    rows = db.execute(select(events.c.seq, events.c.payload)
                      .where(events.c.run_id == run_id, events.c.seq > after_seq).order_by(events.c.seq))
    return [StoredEvent(run_id=run_id, seq=seq, event=parse_event(payload)) for seq, payload in rows]
