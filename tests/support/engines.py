"""Throwaway PostgreSQL and Redis servers from Debian's packages, as context managers: each starts in a temporary
directory on a free port and is gone, files and all, when the block ends. No Docker.

PostgreSQL refuses to run as root, so its programs run as the `postgres` system user (`runuser`), in a directory
that user owns; its unix socket stays inside that directory too.
"""

import glob
import os
import shutil
import subprocess
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import psycopg
import redis

from tests.support.server import free_port


def _postgres_bin(name: str) -> str:
    found = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"))
    if not found:
        raise RuntimeError("PostgreSQL is not installed: apt-get install -y postgresql (the README's test command "
                           "does it)")
    return found[-1]


def _as_postgres(*command: str) -> list[str]:
    return ["runuser", "-u", "postgres", "--", *command] if os.geteuid() == 0 else list(command)


@dataclass
class Postgres:
    port: int
    directory: Path

    def url(self, database: str = "postgres") -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/{database}"

    def new_database(self) -> str:
        """A fresh, empty database; its URL."""
        name = "t_" + uuid.uuid4().hex[:12]
        with psycopg.connect(self.url(), autocommit=True) as db:
            db.execute(f'CREATE DATABASE "{name}"')
        return self.url(name)


@contextmanager
def postgres_server() -> Iterator[Postgres]:
    directory = Path(tempfile.mkdtemp(prefix="botarmy-pg-"))
    if os.geteuid() == 0:
        shutil.chown(directory, "postgres")
    data, port = directory / "data", free_port()
    subprocess.run(_as_postgres(_postgres_bin("initdb"), "-D", str(data), "-A", "trust", "-U", "postgres",
                                "--no-sync", "-E", "UTF8", "--locale=C.UTF-8"),
                   check=True, capture_output=True)
    # fsync off: a throwaway server's durability is not what the tests measure, and the disk is shared.
    options = f"-p {port} -k {directory} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200"
    subprocess.run(_as_postgres(_postgres_bin("pg_ctl"), "-D", str(data), "-o", options, "-w", "-t", "60",
                                "-l", str(directory / "log"), "start"), check=True, capture_output=True)
    try:
        yield Postgres(port, directory)
    finally:
        subprocess.run(_as_postgres(_postgres_bin("pg_ctl"), "-D", str(data), "-m", "immediate", "stop"),
                       capture_output=True, check=False)
        shutil.rmtree(directory, ignore_errors=True)


@dataclass
class Redis:
    port: int
    directory: Path
    process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.process = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
             "--dir", str(self.directory)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            try:
                if redis.Redis(port=self.port, socket_timeout=1).ping():
                    return
            except redis.ConnectionError:
                time.sleep(0.02)
        raise RuntimeError("redis-server did not start")

    def stop(self) -> None:
        """Gone at once, as a crash would take it: nothing saved, every connection dropped."""
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait()

    def restart(self, down_s: float = 0) -> None:
        self.stop()
        time.sleep(down_s)
        self.start()

    def flush(self) -> None:
        redis.Redis(port=self.port).flushall()


@contextmanager
def redis_server() -> Iterator[Redis]:
    server = Redis(free_port(), Path(tempfile.mkdtemp(prefix="botarmy-redis-")))
    server.start()
    try:
        yield server
    finally:
        server.stop()
        shutil.rmtree(server.directory, ignore_errors=True)

