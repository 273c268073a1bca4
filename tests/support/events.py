"""Events as the log stores them, for tests of the fold."""

from core.domain.events import StoredEvent


def stored(events, first: int = 1) -> list[StoredEvent]:
    """`events` as run "r" holds them, numbered from `first`."""
    return [StoredEvent(run_id="r", seq=seq, event=event) for seq, event in enumerate(events, first)]
