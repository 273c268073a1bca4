"""Every table, defined once for SQLite and PostgreSQL (SQLAlchemy Core), and how a database gets or upgrades them.

The column names are those of every earlier version, so existing databases open: a table that lacks a column added
since is given it (with its default), and its missing indexes, when the database is opened.
"""

from sqlalchemy import (
    DDL,
    BigInteger,
    Boolean,
    Column,
    Connection,
    Double,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    Table,
    Text,
    event,
    inspect,
    text,
)
from sqlalchemy.dialects.postgresql import ARRAY, TIMESTAMP
from sqlalchemy.schema import CreateColumn

metadata = MetaData()

# One row per run: the run catalogue (core.storage.sql.run_catalogue), its summary kept by the event log's appends.
runs = Table(
    "runs", metadata,
    Column("run_id", Text, primary_key=True),
    Column("brief", Text, nullable=False),
    Column("created_ms", BigInteger, nullable=False),
    Column("status", Text, nullable=False, server_default="running"),  # core.domain.status.RunStatus
    Column("title", Text, nullable=False, server_default=""),
    Column("ended_ms", BigInteger),
    Column("tokens", BigInteger, nullable=False, server_default=text("0")),
    Column("cost_usd", Double, nullable=False, server_default=text("0")),
    # The user the run belongs to; '' for runs from before users existed (RunCatalogue.adopt_unowned_runs).
    Column("owner", Text, nullable=False, server_default=""),
    Column("thread_id", Text),  # the AG-UI thread the run answers, unique per owner
    Column("verdict", Text),  # of the project's tests (core.domain.status.VerifyStatus); NULL until they first run
    Column("outcome", Text),  # what the run delivered (core.domain.outcome.RunOutcome); NULL until it ended
)
Index("runs_by_created", runs.c.created_ms.desc())
Index("runs_by_status", runs.c.status, runs.c.created_ms.desc())
Index("runs_by_owner", runs.c.owner, runs.c.created_ms.desc())
Index("runs_by_thread", runs.c.owner, runs.c.thread_id, unique=True,
      sqlite_where=runs.c.thread_id.is_not(None), postgresql_where=runs.c.thread_id.is_not(None))

events = Table(
    "events", metadata,
    Column("run_id", Text, primary_key=True),
    Column("seq", BigInteger, primary_key=True, autoincrement=False),
    Column("type", Text, nullable=False),
    Column("payload", Text, nullable=False),  # the AG-UI event as JSON
    sqlite_with_rowid=False,
)

# PostgreSQL's sequence numbers: one row per run, incremented in the append's transaction
# (core.storage.sql.pg_event_log).
event_heads = Table(
    "event_heads", metadata,
    Column("run_id", Text, primary_key=True),
    Column("last_seq", BigInteger, nullable=False),
)

# A run as a job for the workers (core.storage.sql.pg_job_board): wanted by nobody, queued (no lease), or held by a
# worker until lease_expires. Kept after the job ends, so a run's lease epochs only ever grow.
jobs = Table(
    "jobs", metadata,
    Column("run_id", Text, ForeignKey("runs.run_id", ondelete="CASCADE"), primary_key=True),
    Column("job_wanted", Boolean, nullable=False, server_default=text("false")),
    Column("job_since", TIMESTAMP(timezone=True)),
    Column("lease_owner", Text),
    Column("lease_epoch", BigInteger, nullable=False, server_default=text("0")),
    Column("lease_expires", TIMESTAMP(timezone=True)),
    # commands for the worker, also sent at once over Redis
    Column("signals", ARRAY(Text), nullable=False, server_default=text("'{}'")),
)
Index("jobs_wanting_work", jobs.c.job_since, postgresql_where=jobs.c.job_wanted)

# Values every scaled instance must agree on (core.storage.sql.pg_cluster_facts): the first one written wins.
cluster_facts = Table(
    "cluster_facts", metadata,
    Column("name", Text, primary_key=True),
    Column("value", Text, nullable=False),
)

# Named users (core.storage.sql.user_store). Names are unique case-insensitively: SQLite's NOCASE collation, or on
# PostgreSQL an ICU collation of that name made before the table.
users = Table(
    "users", metadata,
    Column("user_id", Text, primary_key=True),
    Column("name", Text(collation="nocase"), nullable=False, unique=True),
    Column("password_hash", Text),  # Argon2id; NULL for a user of API tokens only
    Column("created_ms", BigInteger, nullable=False),
    Column("epoch", Integer, nullable=False, server_default=text("0")),
)
event.listen(users, "before_create", DDL(
    "CREATE COLLATION IF NOT EXISTS nocase (provider = icu, locale = 'und-u-ks-level2', deterministic = false)"
).execute_if(dialect="postgresql"))

api_tokens = Table(
    "api_tokens", metadata,
    Column("token_id", Text, primary_key=True),
    Column("user_id", Text, nullable=False),
    Column("token_hash", Text, nullable=False, unique=True),  # SHA-256 of the secret, which is never stored
    Column("label", Text, nullable=False),
    Column("hint", Text, nullable=False),
    Column("created_ms", BigInteger, nullable=False),
    Column("last_used_ms", BigInteger),
)
Index("api_tokens_by_user", api_tokens.c.user_id, api_tokens.c.created_ms)

EMBEDDED = (runs, events, users, api_tokens)  # what one process keeps in its SQLite file
SCALED = (runs, events, event_heads, jobs, cluster_facts, users, api_tokens)  # in PostgreSQL, for every process


def create_or_upgrade(connection: Connection, tables: tuple[Table, ...]) -> None:
    """Make the tables that are missing, and give the existing ones the columns and indexes added since they were
    made. In the caller's transaction."""
    existing = set(inspect(connection).get_table_names())
    metadata.create_all(connection, tables=[table for table in tables if table.name not in existing])
    for table in (table for table in tables if table.name in existing):
        present = {column["name"] for column in inspect(connection).get_columns(table.name)}
        for column in table.columns:
            if column.name not in present:
                ddl = CreateColumn(column).compile(dialect=connection.dialect)
                connection.execute(text(f"ALTER TABLE {table.name} ADD COLUMN {ddl}"))
        for index in table.indexes:
            index.create(connection, checkfirst=True)
