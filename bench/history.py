"""How fast the history list answers with many runs: pages, search and status filter.

    python bench/history.py [--runs 10000] [--repeat 50]

Each query goes through the run catalogue exactly as the /runs page and GET /api/runs call it (reader thread, SQLite
file on disk). The floor is the cheapest read the catalogue makes, one run by its key, over the same path.
"""

import argparse
import asyncio
import sqlite3
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from core.storage.backends import sqlite_storage  # noqa: E402

OWNER = "b-bench"  # every run is one user's: the history list is always one user's runs

QUERIES = {
    "first page": {"offset": 0},
    "last page": {"offset": -25},
    "search (1 % of briefs)": {"offset": 0, "search": "sauna"},
    "status filter": {"offset": 0, "status": "failed"},
    "search + status": {"offset": 0, "status": "failed", "search": "sauna"},
}


async def timed(call, repeat: int) -> tuple[float, float]:
    samples = []
    for _ in range(repeat):
        started = time.perf_counter()
        await call()
        samples.append((time.perf_counter() - started) * 1000)
    samples.sort()
    return statistics.median(samples), samples[int(0.95 * (len(samples) - 1))]


async def main(runs: int, repeat: int) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "bench.sqlite3"
        store = sqlite_storage(path)
        with sqlite3.connect(path) as db:
            db.executemany(
                "INSERT INTO runs (run_id, brief, created_ms, status, tokens, owner) VALUES (?, ?, ?, ?, ?, ?)",
                [(f"run{i:06}", f"Brief {i}: a booking page for a {'sauna' if i % 100 == 0 else 'garden'} club. "
                  + "Details of the project. " * 20, i, "completed" if i % 3 else "failed", 12_000, OWNER)
                 for i in range(runs)])
        floor = await timed(lambda: store.catalogue.get_run(f"run{runs // 2:06}"), repeat)
        print(f"{runs:,} runs; median and p95 of {repeat} calls each\n")
        print("| query | rows | total | p50 ms | p95 ms | p50 / floor p50 |")
        print("|---|---:|---:|---:|---:|---:|")
        print(f"| floor: one run by key | 1 | 1 | {floor[0]:.2f} | {floor[1]:.2f} | 1.0× |")
        for name, query in QUERIES.items():
            offset = query["offset"] if query["offset"] >= 0 else runs + query["offset"]
            args = {key: value for key, value in query.items() if key != "offset"}
            runs_page = store.catalogue.list_runs
            page = await runs_page(OWNER, 25, offset, **args)
            p50, p95 = await timed(lambda offset=offset, args=args: runs_page(OWNER, 25, offset, **args), repeat)
            print(f"| {name} | {len(page.rows)} | {page.total:,} | {p50:.2f} | {p95:.2f} | {p50 / floor[0]:.1f}× |")
        await store.close()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=50)
    args = parser.parse_args()
    asyncio.run(main(args.runs, args.repeat))
