"""What only the SQL databases do, beyond the stores' contracts (tests/contract): SQLite's group commit, WAL and
erasing, and opening databases made by earlier versions, on SQLite and PostgreSQL."""

import asyncio
import sqlite3

import psycopg

from core.domain.events import TextMessageContentEvent
from core.storage.backends import postgres_storage, sqlite_storage


def content(text: str) -> TextMessageContentEvent:
    return TextMessageContentEvent(message_id="m", delta=text)


async def test_appends_that_arrive_during_a_commit_share_the_next_transaction(tmp_path):
    commits: list[str] = []
    store = sqlite_storage(tmp_path / "db.sqlite3", lambda operation, _: commits.append(operation))
    results = await asyncio.gather(*(store.log.append(run, [content(f"{run}{i}")]) for i in range(40) for run in "abc"))
    assert [item.seq for item in results[0]] == [1]
    assert len(commits) < 120 / 4, f"{len(commits)} transactions for 120 appends made at once"
    for run in "abc":
        assert [e.event.delta for e in await store.log.read(run)] == [f"{run}{i}" for i in range(40)]
    await store.close()


async def test_the_sqlite_file_uses_wal(tmp_path):
    store = sqlite_storage(tmp_path / "db.sqlite3")
    with sqlite3.connect(tmp_path / "db.sqlite3") as db:
        assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    await store.close()


async def test_a_deleted_run_leaves_no_copy_of_its_text_in_the_sqlite_files(tmp_path):
    store = sqlite_storage(tmp_path / "db.sqlite3")
    await store.catalogue.create_run("r", "a brief nobody may read again", "b-me")
    await store.log.append("r", [content("an answer nobody may read again")])
    assert await store.catalogue.delete_run("r")
    for path in tmp_path.iterdir():  # the database, its WAL and its shared memory
        assert b"nobody may read again" not in path.read_bytes(), path.name
    await store.close()


async def test_an_older_sqlite_database_gains_the_new_columns_tables_and_indexes(tmp_path):
    path = tmp_path / "old.sqlite3"
    with sqlite3.connect(path) as db:
        db.execute("CREATE TABLE runs (run_id TEXT PRIMARY KEY, brief TEXT NOT NULL, created_ms INTEGER NOT NULL, "
                   "status TEXT NOT NULL DEFAULT 'running')")
        db.execute("CREATE TABLE events (run_id TEXT NOT NULL, seq INTEGER NOT NULL, type TEXT NOT NULL, "
                   "payload TEXT NOT NULL, PRIMARY KEY (run_id, seq)) WITHOUT ROWID")
        db.execute("INSERT INTO runs VALUES ('kept', 'an old brief', 1, 'completed')")
        db.execute("""INSERT INTO events VALUES ('kept', 1, 'TEXT_MESSAGE_CONTENT',
                      '{"type":"TEXT_MESSAGE_CONTENT","messageId":"m","delta":"old text"}')""")
    store = sqlite_storage(path)
    row = await store.catalogue.get_run("kept")
    assert (row.brief, row.status, row.title, row.tokens, row.owner, row.verdict) == (
        "an old brief", "completed", "", 0, "", None)
    assert [(e.seq, e.event.delta) for e in await store.log.read("kept")] == [(1, "old text")]
    assert [e.seq for e in await store.log.append("kept", [content("new text")])] == [2]
    # Runs from before users existed go to the first identity that appears, once.
    assert await store.catalogue.adopt_unowned_runs("b-first") == 1
    assert await store.catalogue.adopt_unowned_runs("b-second") == 0
    assert [r.run_id for r in (await store.catalogue.list_runs("b-first")).rows] == ["kept"]
    assert await store.users.add_user("u-1", "first", None, 1) is not None
    await store.close()
    with sqlite3.connect(path) as db:
        indexes = {name for (name,) in db.execute("SELECT name FROM sqlite_master WHERE type = 'index'")}
    assert {"runs_by_created", "runs_by_status", "runs_by_owner", "runs_by_thread", "api_tokens_by_user"} <= indexes


async def test_an_older_postgresql_database_keeps_its_runs_and_their_jobs(postgres):
    """A database of the first scaled version: jobs in the runs' rows, no verdict yet."""
    url = postgres.new_database()
    with psycopg.connect(url) as db:
        db.execute("""
            CREATE TABLE runs (run_id TEXT PRIMARY KEY, brief TEXT NOT NULL, created_ms BIGINT NOT NULL,
                status TEXT NOT NULL DEFAULT 'running', title TEXT NOT NULL DEFAULT '', ended_ms BIGINT,
                tokens BIGINT NOT NULL DEFAULT 0, cost_usd DOUBLE PRECISION NOT NULL DEFAULT 0,
                owner TEXT NOT NULL DEFAULT '', thread_id TEXT, job_wanted BOOLEAN NOT NULL DEFAULT false,
                job_since TIMESTAMPTZ, lease_owner TEXT, lease_epoch BIGINT NOT NULL DEFAULT 0,
                lease_expires TIMESTAMPTZ, signals TEXT[] NOT NULL DEFAULT '{}');
            CREATE TABLE event_heads (run_id TEXT PRIMARY KEY, last_seq BIGINT NOT NULL);
            CREATE TABLE events (run_id TEXT NOT NULL, seq BIGINT NOT NULL, type TEXT NOT NULL, payload TEXT NOT NULL,
                PRIMARY KEY (run_id, seq));
            CREATE INDEX runs_wanting_work ON runs (job_since) WHERE job_wanted;
            INSERT INTO runs (run_id, brief, created_ms, owner, job_wanted, job_since, lease_owner, lease_epoch,
                              lease_expires, signals)
                VALUES ('working', 'a brief', 1, 'b-me', true, now(), 'w-old', 7, now() - interval '1 minute',
                        '{pause}'),
                       ('idle', 'another brief', 2, 'b-me', false, NULL, NULL, 0, NULL, '{}');
            INSERT INTO event_heads VALUES ('working', 1);
            INSERT INTO events VALUES ('working', 1, 'TEXT_MESSAGE_CONTENT',
                '{"type":"TEXT_MESSAGE_CONTENT","messageId":"m","delta":"old text"}');
        """)
    store = postgres_storage(url)
    [claim] = await store.jobs.claim("w-new", 10, 5)
    assert (claim.run_id, claim.epoch, claim.taken_over, claim.signals) == ("working", 8, True, ("pause",))
    assert (await store.catalogue.get_run("working")).verdict is None
    assert not await store.jobs.job_wanted("idle")
    store.jobs.fence("working", claim.epoch)
    assert [e.seq for e in await store.log.append("working", [content("new text")])] == [2]
    await store.close()
    with psycopg.connect(url) as db:
        columns = {name for (name,) in db.execute(
            "SELECT column_name FROM information_schema.columns WHERE table_name = 'runs'")}
    assert "verdict" in columns and "job_wanted" not in columns and "lease_epoch" not in columns
    again = postgres_storage(url)  # nothing left to move
    assert await again.jobs.renew("w-new", {"working": claim.epoch}, 10) == {"working": ("pause",)}
    await again.close()
