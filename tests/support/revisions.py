"""A project's revisions through the REST API, as a client follows them: wait for one to end, unpack a downloaded
zip, read its git history with git itself."""

import hashlib
import io
import json
import subprocess
import time
import zipfile
from pathlib import Path

import httpx

AT_REST = ("completed", "failed", "cancelled", "interrupted")


def wait_for_revision(api: httpx.Client, run_id: str, revision: int, timeout: float = 180) -> dict:
    """The revision as GET …/revisions lists it, once the run is at rest with it as its latest."""
    deadline = time.monotonic() + timeout
    while True:
        revisions = api.get(f"/api/runs/{run_id}/revisions").json()
        if len(revisions) >= revision and revisions[-1]["revision"] == revision and \
                revisions[-1]["status"] in AT_REST:
            return revisions[revision - 1]
        assert time.monotonic() < deadline, f"revision {revision} of run {run_id} did not end: {revisions[-1:]}"
        time.sleep(0.2)


def events_of(api: httpx.Client, run_id: str) -> list[dict]:
    """The run's stored events, read from its SSE stream once to its end."""
    body = api.get(f"/api/runs/{run_id}/events", params={"follow": "false"}).text
    return [json.loads(line[6:]) for line in body.splitlines() if line.startswith("data: ")]


def custom_events(api: httpx.Client, run_id: str, name: str) -> list[dict]:
    return [event["value"] for event in events_of(api, run_id) if event.get("name") == name]


def unpacked(data: bytes, into: Path) -> Path:
    """The zip's one top folder, unpacked under `into`."""
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        archive.extractall(into)
        top = {name.split("/", 1)[0] for name in archive.namelist()}
    assert len(top) == 1, top
    return into / top.pop()


def digests(folder: Path) -> dict[str, str]:
    """SHA-256 of every file of the project folder, its .git left out."""
    return {path.relative_to(folder).as_posix(): hashlib.sha256(path.read_bytes()).hexdigest()
            for path in sorted(folder.rglob("*")) if path.is_file() and ".git" not in path.relative_to(folder).parts}


def git(folder: Path, *args: str) -> str:
    done = subprocess.run(["git", "-C", str(folder), *args], capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 0, done.stderr
    return done.stdout
