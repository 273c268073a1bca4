"""Statements for the hot append path: built by SQLAlchemy Core from the tables (core.storage.sql.tables, the one
definition), compiled once per dialect, and run on the driver's own cursor. SQLAlchemy's work per execution costs
more than SQLite's insert itself; bench/store_append.py measures each way against the driver alone."""

from typing import Any

from sqlalchemy import Connection
from sqlalchemy.sql import Executable


class Precompiled:
    def __init__(self, statement: Executable) -> None:
        self._statement = statement
        self._compiled: dict[str, tuple[str, tuple[str, ...] | None]] = {}  # dialect -> (SQL, order of parameters)

    def _sql(self, db: Connection) -> tuple[str, tuple[str, ...] | None]:
        if (compiled := self._compiled.get(db.dialect.name)) is None:
            made = self._statement.compile(dialect=db.dialect)
            compiled = self._compiled[db.dialect.name] = (str(made), made.positiontup and tuple(made.positiontup))
        return compiled

    @staticmethod
    def _parameters(order: tuple[str, ...] | None, values: dict[str, Any]):
        """Positional for SQLite's `?`, by name for psycopg's `%(name)s`."""
        return tuple(values[name] for name in order) if order else values

    def execute(self, db: Connection, **values: Any):
        """The driver's cursor, executed: fetch from it what the statement returns."""
        sql, order = self._sql(db)
        cursor = db.connection.cursor()
        cursor.execute(sql, self._parameters(order, values))
        return cursor

    def execute_many(self, db: Connection, rows: list[dict[str, Any]]) -> None:
        sql, order = self._sql(db)
        db.connection.cursor().executemany(sql, [self._parameters(order, row) for row in rows])
