"""A scaled deployment of real processes: web instances and workers (`python main.py web|worker`) on a throwaway
PostgreSQL database and a Redis server, started and stopped as one context manager."""

import json
import signal
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import psycopg

from tests.support.engines import Postgres, Redis
from tests.support.server import Server, start_server

SECRET = "a-storage-secret-shared-by-every-web-instance-0123456789"
LEASE_S = 4  # short leases, so a killed worker's run is taken over within seconds


@dataclass
class Instance(Server):
    """One web instance or worker; its events are the deployment's, read straight from PostgreSQL."""

    @property
    def database_url(self) -> str:
        return self.env["BOTARMY_DATABASE_URL"]

    def events(self, run_id: str) -> list[dict]:
        with psycopg.connect(self.database_url) as db:
            rows = db.execute("SELECT payload FROM events WHERE run_id = %s ORDER BY seq", (run_id,)).fetchall()
        return [json.loads(payload) for (payload,) in rows]

    def sequence(self, run_id: str) -> list[int]:
        with psycopg.connect(self.database_url) as db:
            return [seq for (seq,) in db.execute("SELECT seq FROM events WHERE run_id = %s ORDER BY seq", (run_id,))]

    def health(self) -> dict:
        return httpx.get(f"{self.url}/health", timeout=10).json()

    def kill(self) -> None:
        """`kill -9`: no handler runs, nothing is handed over or closed."""
        self.process.send_signal(signal.SIGKILL)
        self.process.wait()


@dataclass
class Cluster:
    webs: list[Instance]
    workers: list[Instance]
    env: dict[str, str]
    # One database, so one user's API token is good on every instance: made once (a process each), not per instance.
    tokens: dict[str, str] = field(default_factory=dict)

    @property
    def web(self) -> Instance:
        return self.webs[0]

    def holder(self, run_id: str, timeout: float = 30) -> Instance:
        """The worker working the run, by its /health, once one does."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for worker in self.workers:
                if worker.process.poll() is None and worker.health()["active_runs"]:
                    return worker
            time.sleep(0.1)
        raise AssertionError(f"no worker took run {run_id}")

    def wait_for(self, run_id: str, statuses: tuple[str, ...], user: str = "tester", timeout: float = 90) -> dict:
        with self.web_alive().api(user) as client:
            deadline = time.monotonic() + timeout
            while time.monotonic() < deadline:
                detail = client.get(f"/api/runs/{run_id}").json()
                if detail["status"] in statuses:
                    return detail
                time.sleep(0.1)
        raise AssertionError(f"run {run_id} stayed {detail['status']}")

    def web_alive(self) -> Instance:
        return next(web for web in self.webs if web.process.poll() is None)

    def revive(self) -> None:
        """Start again, on its data dir, every process that was killed: a deployment kept for several tests is
        whole when each begins."""
        for role, group in (("web", self.webs), ("worker", self.workers)):
            for index, instance in enumerate(group):
                if instance.process.poll() is not None:
                    group[index] = start_instance(instance.data_dir, self.env, role, self.tokens)

    def lease(self, user: str) -> "Cluster":
        """The same processes for a test of its own: each one's log from here on (see Server.lease)."""
        return Cluster([web.lease(user) for web in self.webs], [worker.lease(user) for worker in self.workers],
                       self.env, self.tokens)


def start_instance(data_dir: Path, env: dict[str, str], role: str, tokens: dict[str, str]) -> Instance:
    instance = start_server(data_dir, env, role=role, kind=Instance)
    instance.tokens = tokens
    return instance


@contextmanager
def cluster(directory: Path, postgres: Postgres, redis: Redis, *, webs: int = 2, workers: int = 2,
            env: dict[str, str] | None = None) -> Iterator[Cluster]:
    """Every process of the deployment, on a fresh database; all stopped (SIGTERM) on the way out."""
    shared = {"BOTARMY_DATABASE_URL": postgres.new_database(), "BOTARMY_REDIS_URL": redis.url,
              "BOTARMY_STORAGE_SECRET": SECRET, "BOTARMY_LEASE_SECONDS": str(LEASE_S), **(env or {})}
    redis.flush()
    made = Cluster([], [], shared)
    try:
        # Started together (the first web instance creates the tables, the others wait for its lock).
        with ThreadPoolExecutor(webs + workers) as starting:
            started = [(role, starting.submit(start_instance, directory / f"{role}-{i}", shared, role, made.tokens))
                       for role, count in (("web", webs), ("worker", workers)) for i in range(count)]
            failures = [future.exception() for _, future in started if future.exception() is not None]
            for role, future in started:
                if future.exception() is None:
                    (made.webs if role == "web" else made.workers).append(future.result())
        if failures:
            raise failures[0]
        yield made
    finally:
        instances = made.webs + made.workers  # as they are now: revived ones included
        for instance in instances:  # all at once, then each is waited for
            if instance.process.poll() is None:
                instance.process.send_signal(signal.SIGTERM)
        for instance in instances:
            instance.stop()
