"""The run catalogue in SQL: one statement per operation, the same for SQLite and PostgreSQL, on either database.
Also the one update of a run's row from a batch of events, which both event logs make in their appends."""

from sqlalchemy import Connection, Row, Table, Update, delete, func, insert, or_, select, update
from sqlalchemy.exc import IntegrityError

from core.domain.catalogue import RowChange, RunPage, RunRow
from core.domain.events import now_ms
from core.domain.outcome import RunOutcome
from core.domain.status import RunStatus, VerifyStatus

from .database import Database, rowcount
from .tables import runs

_ROW = (runs.c.run_id, runs.c.brief, runs.c.title, runs.c.created_ms, runs.c.ended_ms, runs.c.status, runs.c.tokens,
        runs.c.cost_usd, runs.c.owner, runs.c.verdict, runs.c.outcome)


def run_row(values: Row) -> RunRow:
    *fields, status, tokens, cost, owner, verdict, outcome = values
    return RunRow(*fields, RunStatus(status), tokens, cost, owner, VerifyStatus(verdict) if verdict else None,
                  RunOutcome(outcome) if outcome else None)


def summary_update(run_id: str, change: RowChange) -> Update:
    """The run's row as a batch of its events changes it (core.domain.catalogue.row_change)."""
    added = {name: runs.c[name] + amount for name, amount in change.adds.items()}
    return update(runs).where(runs.c.run_id == run_id).values(**change.sets, **added)


def _rows(db: Connection, *conditions) -> list[RunRow]:
    return [run_row(values) for values in db.execute(select(*_ROW).where(*conditions))]


def _page(db: Connection, owner: str, limit: int, offset: int, status: RunStatus | None,
          search: str | None) -> RunPage:
    conditions = [runs.c.owner == owner]
    if status:
        conditions.append(runs.c.status == status)
    if search:  # autoescape: % _ and the escape character itself are searched for as they are
        conditions.append(or_(runs.c.brief.icontains(search, autoescape=True),
                              runs.c.title.icontains(search, autoescape=True)))
    total = db.execute(select(func.count()).select_from(runs).where(*conditions)).scalar_one()
    page = select(*_ROW).where(*conditions).order_by(runs.c.created_ms.desc()).limit(limit).offset(offset)
    return RunPage([run_row(values) for values in db.execute(page)], total)


def _delete(db: Connection, run_id: str, with_run: tuple[Table, ...]) -> bool:
    for table in with_run:
        db.execute(delete(table).where(table.c.run_id == run_id))
    return db.execute(delete(runs).where(runs.c.run_id == run_id)).rowcount == 1


class SqlRunCatalogue:
    def __init__(self, db: Database, with_run: tuple[Table, ...]) -> None:
        """`with_run`: the tables that keep rows of a run besides its own (its events), deleted with it."""
        self._db = db
        self._with_run = with_run

    async def create_run(self, run_id: str, brief: str, owner: str, thread_id: str | None = None) -> bool:
        try:
            await self._db.write(rowcount, insert(runs).values(run_id=run_id, brief=brief, created_ms=now_ms(),
                                                              owner=owner, thread_id=thread_id))
        except IntegrityError:  # the run's id, or the owner's thread, is taken
            return False
        return True

    async def adopt_unowned_runs(self, owner: str) -> int:
        return await self._db.write(rowcount, update(runs).where(runs.c.owner == "").values(owner=owner))

    async def rename_run(self, run_id: str, title: str) -> bool:
        return await self._db.write(rowcount, update(runs).where(runs.c.run_id == run_id).values(title=title)) == 1

    async def delete_run(self, run_id: str) -> bool:
        return await self._db.erase(_delete, run_id, self._with_run)

    async def get_run(self, run_id: str) -> RunRow | None:
        rows = await self._db.read(_rows, runs.c.run_id == run_id)
        return rows[0] if rows else None

    async def run_of_thread(self, owner: str, thread_id: str) -> RunRow | None:
        rows = await self._db.read(_rows, runs.c.owner == owner, runs.c.thread_id == thread_id)
        return rows[0] if rows else None

    async def list_runs(self, owner: str, limit: int = 50, offset: int = 0, *, status: RunStatus | None = None,
                        search: str | None = None) -> RunPage:
        return await self._db.read(_page, owner, limit, offset, status, search)

    async def runs_with_status(self, status: RunStatus) -> list[RunRow]:
        return await self._db.read(_rows, runs.c.status == status)
