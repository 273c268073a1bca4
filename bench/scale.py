"""Scale-out, measured: runs completed per minute and tokens per second delivered to viewers with one worker and with
two, against one process on SQLite; and chunk → DOM latency for tabs on two web instances watching a run that a
worker executes, against tabs of one process, in the same run of this script.

    python bench/scale.py

Prints a markdown table and writes it to bench/RESULTS.md (its own section; the other benches' sections stay).
Every process is real: PostgreSQL and Redis are throwaway servers (tests/support/engines.py), web instances and
workers are `python main.py web|worker`, tabs are Debian's Chromium.
"""

import json
import os
import re
import sys
import tempfile
import threading
import time
from pathlib import Path

from playwright.sync_api import sync_playwright

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from capacity import latencies, tokens  # noqa: E402
from live_path import ms, observed, open_tabs, pct, series, stamps, start_runs, viewer  # noqa: E402

from core.trace import Stage  # noqa: E402

from tests.support.browser import CHROMIUM, CHROMIUM_FLAGS  # noqa: E402
from tests.support.cluster import cluster  # noqa: E402
from tests.support.engines import postgres_server, redis_server  # noqa: E402
from tests.support.server import ONE_TOKEN_A_CHUNK, Server, start_server  # noqa: E402

RUNS = 8  # started at once, for the throughput rows
SLOTS = 2  # runs a process works at once (BOTARMY_MAX_CONCURRENT_RUNS): per worker, or of the single process
THROUGHPUT_PACE_MS = 2
LATENCY_PACE_MS = 10  # 100 tokens a second, as bench/live_path.py
WINDOW_S = 8
SETTINGS = {"BOTARMY_MAX_RUNS_PER_USER": "100", "BOTARMY_STARTS_PER_MINUTE": "1000",
            "BOTARMY_LLM_REQUESTS_PER_MINUTE": "10000", "BOTARMY_MAX_CONCURRENT_RUNS": str(SLOTS),
            **ONE_TOKEN_A_CHUNK}
# Latency runs only: the demo model stamps when it sent each chunk (core/trace.py), where a token's latency starts.
STAMPED = {"BOTARMY_DEMO_TOKEN_DELAY_MS": str(LATENCY_PACE_MS), "BOTARMY_BENCH_PAGES": "1"}
SECTION = "# Scale-out benchmark"


def follow(server: Server, run_id: str, counts: dict[str, int]) -> None:
    """Read the run's event stream from a web instance until the run ends, counting the tokens delivered."""
    with server.api() as client, client.stream("GET", f"/api/runs/{run_id}/events", timeout=300) as stream:
        for line in stream.iter_lines():
            if not line.startswith("data: "):
                continue
            event = json.loads(line[6:])
            if event["type"] == "TEXT_MESSAGE_CONTENT":
                counts[run_id] = counts.get(run_id, 0) + 1
            elif event["type"] in ("RUN_FINISHED", "RUN_ERROR"):
                return


def throughput(web: Server) -> dict:
    """RUNS runs started at once through `web`, each followed over SSE: runs a minute and tokens a second."""
    with web.api() as client:
        started = time.monotonic()
        run_ids = [client.post("/api/runs", json={"brief": f"A tool-lending library for street number {n}."})
                   .json()["run_id"] for n in range(RUNS)]
    counts: dict[str, int] = {}
    followers = [threading.Thread(target=follow, args=(web, run_id, counts)) for run_id in run_ids]
    for thread in followers:
        thread.start()
    for thread in followers:
        thread.join(600)
    elapsed = time.monotonic() - started
    return {"runs_per_min": RUNS / elapsed * 60, "tokens_per_s": sum(counts.values()) / elapsed, "s": elapsed}


def latency(browser, watched: list[Server], sources: list[Server]) -> list[float]:
    """One run, streamed at LATENCY_PACE_MS a token by the demo model of whichever of `sources` works it, watched by
    one tab on each of `watched`: the model sent the chunk → its text in the tab's DOM."""
    context = viewer(browser, watched[0].url)
    run_id = start_runs(context, watched[0].url, 1, LATENCY_PACE_MS)[0]
    pages = open_tabs(context, [f"{server.url}/runs/{run_id}" for server in watched],
                      "[data-testid=connection-status][data-state=connected]")
    time.sleep(2)
    start_ms = time.time() * 1000
    time.sleep(WINDOW_S)
    end_ms = time.time() * 1000 - 1000
    time.sleep(1)
    sent = stamps(*sources)[Stage.SENT]
    run_tokens = tokens(watched[0], {cookie["name"]: cookie["value"] for cookie in context.cookies()}, run_id, sent)
    measured = [value for page in pages
                for value in latencies(series(observed(page), "m"), run_tokens, start_ms, end_ms)]
    context.close()
    return measured


def main() -> None:
    load_before = os.getloadavg()[1]
    rows: list[tuple[str, dict, list[float]]] = []
    with tempfile.TemporaryDirectory() as scratch, sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS, headless=True)
        base = Path(scratch)
        with start_server(base / "single", {**SETTINGS, "BOTARMY_DEMO_TOKEN_DELAY_MS": str(THROUGHPUT_PACE_MS)}) as one:
            single = throughput(one)
        with start_server(base / "single-latency", {**SETTINGS, **STAMPED}) as one:
            rows.append(("one process, SQLite (floor)", single, latency(browser, [one, one], [one])))
        with postgres_server() as postgres, redis_server() as redis:
            for workers in (1, 2):
                env = {**SETTINGS, "BOTARMY_DEMO_TOKEN_DELAY_MS": str(THROUGHPUT_PACE_MS)}
                with cluster(base / f"scaled-{workers}", postgres, redis, webs=2, workers=workers, env=env) as made:
                    measured = throughput(made.webs[0])
                with cluster(base / f"scaled-latency-{workers}", postgres, redis, webs=2, workers=workers,
                             env={**SETTINGS, **STAMPED}) as made:
                    lat = latency(browser, made.webs, made.workers)
                rows.append((f"2 web instances, {workers} worker{'s' * (workers > 1)}, PostgreSQL + Redis",
                             measured, lat))
        browser.close()
    table = render(rows, (load_before, os.getloadavg()[1]))
    print(table)
    write(table)


def render(rows: list[tuple[str, dict, list[float]]], load: tuple[float, float]) -> str:
    floor_runs, floor_lat = rows[0][1]["runs_per_min"], rows[0][2]
    one_worker, two_workers = rows[1][1]["runs_per_min"], rows[2][1]["runs_per_min"]
    lines = [
        SECTION, "",
        f"`python bench/scale.py` on this machine (2 cores, shared with the other engineers' work while it ran; "
        f"PostgreSQL, Redis, every web instance and worker, the demo model and Chromium all share them). "
        f"Throughput: {RUNS} runs started at once, {SLOTS} working at once per worker (or in the one process), the "
        f"demo model at {THROUGHPUT_PACE_MS} ms a token, each run followed over SSE through a web instance. "
        f"Latency: one run at {LATENCY_PACE_MS} ms a token, one tab per web instance (two tabs on the one "
        f"process), the demo model's sending of a token (its stamp, core/trace.py) → its text in the tab's DOM, "
        f"over {WINDOW_S} s.", "",
        "| deployment | runs/min | × floor | tokens/s delivered | chunk → DOM p50 ms | p99 ms | p99 × floor |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for name, measured, lat in rows:
        p99, floor_p99 = pct(lat, 99), pct(floor_lat, 99)
        times = f"{p99 / floor_p99:.1f}×" if p99 and floor_p99 else "n/a"
        lines.append(f"| {name} | {measured['runs_per_min']:.1f} | {measured['runs_per_min'] / floor_runs:.2f}× "
                     f"| {measured['tokens_per_s']:.0f} | {ms(pct(lat, 50))} | {ms(p99)} | {times} |")
    lines += [
        "", f"A second worker gives {two_workers / one_worker:.2f}× the runs of one. What limits the ratios here: "
        f"the machine's 2 cores (load average over 5 minutes {load[0]:.1f} before the run, {load[1]:.1f} after, "
        "from everyone's work) run every process of the deployment, so a second worker adds slots and a demo model "
        "but no core; and each token of a scaled run is a PostgreSQL transaction and a Redis message instead of a "
        "write on the process's own SQLite thread, which is what the one process saves. Scale-out pays where "
        "workers get cores (or wait on a remote model) of their own; on this machine the rows show whether the slots "
        "add up and what the extra hop costs a tab on another instance, both blurred by the other load (a ratio "
        "above 2× means the one-worker row was hit harder by it)."]
    return "\n".join(lines) + "\n"



def write(table: str) -> None:
    """Replace this script's section of bench/RESULTS.md (or add it at the end), leaving the others as they are."""
    path = ROOT / "bench" / "RESULTS.md"
    text = path.read_text() if path.exists() else ""
    start = text.find(SECTION)
    if start < 0:
        before, after = text.rstrip("\n"), ""
    else:
        # Up to the next heading of any level: a section after this one may be a "## " one.
        following = re.search(r"^#+ ", text[start + len(SECTION):], re.MULTILINE)
        before = text[:start].rstrip("\n")
        after = text[start + len(SECTION) + following.start():] if following else ""
    path.write_text("\n\n".join(part for part in (before, table.rstrip("\n"), after.rstrip("\n")) if part) + "\n")


if __name__ == "__main__":
    main()
