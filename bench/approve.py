"""Approve → the next agent's step started, against the length of the run's log: what a command costs the server when
the run it decides has a long history.

    python bench/approve.py [--events 500,5000] [--repeat 3]

Each run is written straight into the store as the Analyst left it (its answer in `events` pieces, its artifact, the
approval it waits for); the server then takes the user's Approve through the API like a page's button, and the time
is from sending the request to the Architect's SUBAGENT_STARTED (the event's own timestamp, taken by the server).
Each size is measured with the run's page open (a viewer over NiceGUI's socket, bench/socket_viewer.py, as the user
who clicks Approve has it) and with nobody watching the run.
"""

import argparse
import asyncio
import hashlib
import json
import os
import statistics
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from socket_viewer import SocketViewer  # noqa: E402

from core.demo.content import AGENTS, demo_answer  # noqa: E402
from core.domain.custom import ArtifactSaved, RunConfigured, custom  # noqa: E402
from core.domain.events import (Interrupt, RunFinishedEvent, RunFinishedInterruptOutcome,  # noqa: E402
                                RunStartedEvent, SubagentFinishedEvent, SubagentStartedEvent,
                                TextMessageContentEvent, TextMessageEndEvent, TextMessageStartEvent)
from core.domain.interrupts import APPROVAL_AGENT, APPROVAL_ANSWER  # noqa: E402
from core.domain.status import InterruptReason  # noqa: E402
from core.domain.fold import summary_change  # noqa: E402
from core.storage.backends import sqlite_storage  # noqa: E402
from tests.support.server import ONE_TOKEN_A_CHUNK, start_server  # noqa: E402

ENV = {"BOTARMY_DEMO_TOKEN_DELAY_MS": "10", "BOTARMY_MAX_RUNS_PER_USER": "100", "BOTARMY_STARTS_PER_MINUTE": "1000",
       "BOTARMY_MAX_CONCURRENT_RUNS": "100", **ONE_TOKEN_A_CHUNK}


def waiting_run(events: int, number: int) -> tuple[str, list]:
    """A run whose Analyst answered in `events` pieces and waits for approval."""
    brief = f"A tool-lending library, approved after {events} events ({number})."
    run_id = "approve" + hashlib.sha1(brief.encode()).hexdigest()[:12]
    answer = demo_answer("analyst", brief, None)
    pieces = [answer[i * len(answer) // events:(i + 1) * len(answer) // events] for i in range(events)]
    sub, message = f"{run_id}:analyst:1", f"{run_id}:analyst:1:answer:1"
    log = [custom(RunConfigured(brief=brief, approvals=["analyst"])),
           RunStartedEvent(thread_id=run_id, run_id=run_id, metadata={"brief": brief, "agents": [
               {"name": name, "title": name.title()} for name in AGENTS]}),
           SubagentStartedEvent(subagent_run_id=sub, name="analyst"),
           TextMessageStartEvent(message_id=message, role="assistant", subagent_run_id=sub)]
    log += [TextMessageContentEvent(message_id=message, delta=piece, subagent_run_id=sub) for piece in pieces if piece]
    log += [TextMessageEndEvent(message_id=message, subagent_run_id=sub),
            custom(ArtifactSaved(agent="analyst", title="Requirements", filename="requirements.md", content=answer)),
            SubagentFinishedEvent(subagent_run_id=sub, result={}),
            RunFinishedEvent(thread_id=run_id, run_id=run_id, outcome=RunFinishedInterruptOutcome(interrupts=[
                Interrupt(id="approval:analyst:1", reason=InterruptReason.APPROVAL,
                          metadata={APPROVAL_AGENT: "analyst"}, response_schema=APPROVAL_ANSWER,
                          message="Review the requirements.")]))]
    return run_id, log


def write(data_dir: Path, runs: list[tuple[str, list]]) -> None:
    async def go() -> None:
        storage = sqlite_storage(data_dir / "botarmy.sqlite3")
        for run_id, log in runs:
            await storage.catalogue.create_run(run_id, run_id, "")  # adopted by the first user who appears
            await storage.log.append(run_id, log, summary_change(log))
        await storage.close()

    data_dir.mkdir(parents=True, exist_ok=True)
    with ThreadPoolExecutor(1) as thread:
        thread.submit(asyncio.run, go()).result()


async def architect_started(client: httpx.AsyncClient, run_id: str, after: int) -> float:
    """When the Architect's step started, by its event; only the events after `after` are asked for (asking for
    the whole log every 50 ms would load the server with the very work the bench measures)."""
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        text = (await client.get(f"/api/runs/{run_id}/events", params={"after": after, "follow": "false"})).text
        for line in text.splitlines():
            if line.startswith("data: ") and '"SUBAGENT_STARTED"' in line and '"architect"' in line:
                return json.loads(line[6:])["timestamp"]
        await asyncio.sleep(0.05)
    raise RuntimeError(f"the Architect of {run_id} never started")


async def approve(client: httpx.AsyncClient, url: str, run_id: str, logged: int,
                  watched: bool) -> tuple[float, float]:
    """(approve → the Architect started, the request's round trip), in ms; `watched`: with the run's page open."""
    viewer = SocketViewer(client, f"/runs/{run_id}") if watched else None
    if viewer is not None:
        await viewer.open()
        await asyncio.sleep(0.5)  # the page has its run's view
    sent = time.time() * 1000
    answer = await client.post(f"/api/runs/{run_id}/approve", headers={"Origin": url})
    trip = time.time() * 1000 - sent
    answer.raise_for_status()
    started = await architect_started(client, run_id, logged) - sent
    if viewer is not None:
        await viewer.close()
    # Each measurement on a quiet server: the run approved would stream on beside the next ones and slow them.
    (await client.post(f"/api/runs/{run_id}/cancel", headers={"Origin": url})).raise_for_status()
    return started, trip


async def measure(url: str, runs: dict[tuple[int, bool], list], lines: list[str]) -> None:
    async with httpx.AsyncClient(base_url=url, timeout=60) as client:
        await client.get("/")
        for (size, watched), group in runs.items():
            started, trips = [], []
            for run_id, log in group:
                one, trip = await approve(client, url, run_id, len(log), watched)
                started.append(one)
                trips.append(trip)
            lines.append(f"| {size:,} | {'open' if watched else 'none'} | {statistics.median(started):.0f} | "
                         f"{', '.join(f'{value:.0f}' for value in started)} | {statistics.median(trips):.0f} |")
            print(lines[-1], flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--events", default="500,5000")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    sizes = [int(n) for n in args.events.split(",")]
    lines = ["| events in the run's log | the run's page | approve → the next agent's step started, median ms "
             "| each run (ms) | the approve request's round trip, median ms |", "|---:|---|---:|---|---:|"]
    with tempfile.TemporaryDirectory() as tmp:
        runs = {(size, watched): [waiting_run(size, n + args.repeat * watched) for n in range(args.repeat)]
                for size in sizes for watched in (True, False)}
        write(Path(tmp), [run for group in runs.values() for run in group])
        with start_server(Path(tmp), ENV) as server:
            asyncio.run(measure(server.url, runs, lines))
    print(f"load average {os.getloadavg()[0]:.1f}")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
