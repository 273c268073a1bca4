"""Reading a run's events, the same on SQLite and PostgreSQL."""

from sqlalchemy import Connection, select

from core.domain.events import StoredEvent, parse_event

from .tables import events


def read_events(db: Connection, run_id: str, after_seq: int) -> list[StoredEvent]:
    rows = db.execute(select(events.c.seq, events.c.payload)
                      .where(events.c.run_id == run_id, events.c.seq > after_seq).order_by(events.c.seq))
    return [StoredEvent(run_id=run_id, seq=seq, event=parse_event(payload)) for seq, payload in rows]
