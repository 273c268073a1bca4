"""Runs through a misbehaving AI service: how many finish, and how much time the retries add.

    python bench/resilience.py [--runs 5] [--faults SPEC] [--pace MS]

Each run goes through the real pipeline, the real openai SDK and real HTTP to a demo-model server that injects
faults (see core/demo/faults.py). The floor is the same runs against the same server without faults.
"""

import argparse
import asyncio
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from core.storage.backends import sqlite_storage  # noqa: E402
from tests.support.server import ONE_TOKEN_A_CHUNK, start_server  # noqa: E402
from tests.support.services import llm_for, run_service, run_to_end  # noqa: E402

MIX = "429=0.06,500=0.06,503=0.06,cut=0.06,malformed=0.03,stall=0.03;seed=5"


async def measure(url: str, runs: int, data_dir: Path) -> tuple[list[float], int, int]:
    store = sqlite_storage(data_dir / "bench.sqlite3")
    llm = llm_for(f"{url}/demo/v1", llm_backoff_initial_s=0.2, llm_backoff_max_s=1, llm_stall_timeout_s=1)
    service = run_service(store, llm)
    times, completed, retries = [], 0, 0
    for number in range(runs):
        started = time.perf_counter()
        view = await run_to_end(service, f"A volunteer shift planner for food bank number {number + 1}.", 600)
        times.append(time.perf_counter() - started)
        completed += view.status == "completed"
        retries += sum(agent.retries for agent in view.agents.values())
    await llm.close()
    await store.close()
    return times, completed, retries


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--faults", default=MIX)
    parser.add_argument("--pace", type=float, default=1, help="demo model ms per token")
    args = parser.parse_args()
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for label, faults in (("floor: no faults", ""), (f"faults: {args.faults}", args.faults)):
            with start_server(Path(tmp) / label[:5], {"BOTARMY_DEMO_FAULTS": faults,
                                                      "BOTARMY_DEMO_TOKEN_DELAY_MS": str(args.pace),
                                                      **ONE_TOKEN_A_CHUNK}) as server:
                times, completed, retries = asyncio.run(measure(server.url, args.runs, Path(tmp) / label[:5]))
            rows.append((label, times, completed, retries))
    floor = sum(rows[0][1]) / len(rows[0][1])
    print("| service | runs tried | runs completed | retries | mean run (s) | extra over floor (s) |")
    print("|---|---:|---:|---:|---:|---:|")
    for label, times, completed, retries in rows:
        mean = sum(times) / len(times)
        print(f"| {label} | {len(times)} | {completed} | {retries} | {mean:.2f} | {mean - floor:+.2f} |")


if __name__ == "__main__":
    main()
