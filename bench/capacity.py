"""Capacity, measured: how many viewers one web process serves before a streamed token takes more than 250 ms (p99)
from the model to a viewer, with simulated viewers that speak NiceGUI's socket protocol (bench/socket_viewer.py)
and five real Chromium tabs in the same run to check that the simulated ones tell the truth.

    python bench/capacity.py [--viewers 50,100,150,200] [--runs 10] [--tabs 5] [--scaled] [--model apart|same]

Each row: `runs` runs of the demo model at 100 tokens/s, the viewers spread evenly over them (in a process of their
own, so that their parsing does not share the bench's thread with Chromium), and five Chromium tabs on the first
five runs. The runs wait for approval after the Analyst until every viewer has connected; the window measured is
the next agents' streaming. Latency: a token sent by the demo model (core/trace.py stamps, BOTARMY_BENCH_PAGES=1)
→ the viewer received the append that holds it (simulated), and → the tab received it and → it was in the tab's
DOM (Chromium). The one process reaches the demo model in a process of its own over HTTP (`--model same`: its own
demo model, as the first measurements were made), so its CPU is the app's alone. `--scaled`: the same against two
web instances of the scaled deployment (PostgreSQL, Redis, one worker, which serves the demo model to itself),
viewers and tabs split between them. `--tabs 0`: no Chromium, to see what the tabs' renderers take from the
process on this machine's two cores.
"""

import argparse
import asyncio
import json
import multiprocessing
import os
import sys
import tempfile
import time
from contextlib import ExitStack
from pathlib import Path

import httpx
from playwright.sync_api import sync_playwright

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from live_path import (UNLIMITED, Token, first_at_or_after, observed, open_tabs, own_model, pct, series,  # noqa: E402
                       stamps, streamed_tokens, viewer)
from socket_viewer import SocketViewer  # noqa: E402

from core.trace import Stage  # noqa: E402
from tests.support.browser import CHROMIUM, CHROMIUM_FLAGS  # noqa: E402
from tests.support.server import ONE_TOKEN_A_CHUNK, Server, start_server  # noqa: E402

PACE_MS = 10
WINDOW_S = 8
REAL_TABS = 5
KNEE_MS = 250
OPENING_AT_ONCE = 10


def brief(number: int) -> str:
    return f"A tool-lending library for street number {number} (capacity)."


# --- the simulated viewers, in a process of their own ------------------------------------------------------------

async def _watch(urls: list[tuple[str, str]], cookies: dict[str, str], ready: multiprocessing.Event,
                 stop: multiprocessing.Event, out: str) -> None:
    clients = {base: httpx.AsyncClient(base_url=base, cookies=cookies, timeout=120) for base in {b for b, _ in urls}}
    viewers = [SocketViewer(clients[base], path) for base, path in urls]
    opening = asyncio.Semaphore(OPENING_AT_ONCE)

    async def open_one(one: SocketViewer) -> bool:
        async with opening:
            try:
                await one.open()
                return True
            except Exception as error:  # noqa: BLE001 - an overloaded server: the row says how many connected
                print(f"viewer not connected: {error!r}", file=sys.stderr, flush=True)
                return False

    connected = await asyncio.gather(*(open_one(one) for one in viewers))
    ready.set()
    cpu_before = time.process_time()
    while not stop.is_set():
        await asyncio.sleep(0.2)
    cpu = time.process_time() - cpu_before
    result = [{"url": one.url, "received": one.received, "messages": one.messages}
              for one, ok in zip(viewers, connected) if ok]
    Path(out).write_text(json.dumps({"viewers": result, "cpu_s": cpu}))
    for one, ok in zip(viewers, connected):
        if ok:
            await one.close()
    for client in clients.values():
        await client.aclose()


def watch(urls, cookies, ready, stop, out) -> None:
    asyncio.run(_watch(urls, cookies, ready, stop, out))


# --- one row ------------------------------------------------------------------------------------------------------

def tokens(web: Server, cookies: dict, run_id: str, sent: dict[str, float]) -> list[Token]:
    """One Token per chunk the demo model sent of the run's answers (live_path.streamed_tokens), read through the
    REST API (the scaled deployment's log is in PostgreSQL); its seq is the event's place in the log."""
    with httpx.Client(base_url=web.url, cookies=cookies, timeout=60) as client:
        text = client.get(f"/api/runs/{run_id}/events", params={"after": 0, "follow": "false"}).text
    events = [json.loads(line[6:]) for line in text.splitlines() if line.startswith("data: ")]
    return streamed_tokens(run_id, list(enumerate(events, 1)), sent)


def latencies(received: dict[str, list], run_tokens, start_ms, end_ms) -> list[float]:
    points = {agent: sorted(map(tuple, values)) for agent, values in received.items()}
    monotonic = {}
    for agent, values in points.items():
        kept = []
        for length, at in sorted(values, key=lambda v: v[1]):
            if not kept or length > kept[-1][0]:
                kept.append((length, at))
        monotonic[agent] = kept
    out = []
    for token in run_tokens:
        if not start_ms <= token.sent <= end_ms:
            continue
        shown = first_at_or_after(monotonic.get(token.agent, []), token.end)
        if shown is not None:
            out.append(shown - token.sent)
    return out


def cpu_seconds(pids: list[int]) -> float:
    total = 0.0
    for pid in pids:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return total


def measure(browser, webs: list[Server], sources: list[Server], viewers: int, runs: int, real_tabs: int) -> dict:
    stamps(*webs, *sources)  # forget what came before
    with httpx.Client(base_url=webs[0].url, timeout=60) as client:
        client.get("/")
        cookies = dict(client.cookies.items())
        origin = {"Origin": webs[0].url}
        # Without the project's tests: they run in sandboxed processes of their own, which on this machine's two
        # cores took the CPU the measured process needs (a run's Tester is in the window).
        run_ids = [client.post("/api/runs", headers=origin, json={"brief": brief(n), "approvals": "analyst",
                                                                  "run_tests": False}).json()["run_id"]
                   for n in range(runs)]
    urls = [(webs[n % len(webs)].url, f"/runs/{run_ids[n % runs]}") for n in range(viewers)]
    out = Path(tempfile.mkstemp(suffix=".json")[1])
    spawn = multiprocessing.get_context("spawn")  # not a fork of a process running Playwright's threads
    ready, stop = spawn.Event(), spawn.Event()
    process = spawn.Process(target=watch, args=(urls, cookies, ready, stop, str(out)))
    process.start()
    context = viewer(browser, webs[0].url)
    context.add_cookies([{"name": name, "value": value, "url": web.url} for name, value in cookies.items()
                         for web in webs])
    tabs = open_tabs(context, [f"{webs[n % len(webs)].url}/runs/{run_ids[n % runs]}" for n in range(real_tabs)],
                     "[data-testid=connection-status][data-state=connected]")
    ready.wait(600)
    with httpx.Client(base_url=webs[0].url, cookies=cookies, timeout=60) as client:
        for run_id in run_ids:
            deadline = time.monotonic() + 300
            while client.get(f"/api/runs/{run_id}").json()["status"] != "waiting_approval":
                if time.monotonic() > deadline:
                    raise RuntimeError(f"run {run_id} never waited for approval")
                time.sleep(0.2)
        for run_id in run_ids:
            client.post(f"/api/runs/{run_id}/approve", headers={"Origin": webs[0].url})
    time.sleep(2)  # the next agents are streaming
    pids = [web.process.pid for web in webs]
    cpu_before = cpu_seconds(pids)
    start_ms = time.time() * 1000
    time.sleep(WINDOW_S)
    end_ms = time.time() * 1000
    cpu = cpu_seconds(pids) - cpu_before
    time.sleep(1)  # what was sent last arrives
    stop.set()
    process.join(120)
    simulated = json.loads(out.read_text())
    out.unlink()
    noted = stamps(*webs, *sources)
    run_tokens = {run_id: tokens(webs[0], cookies, run_id, noted[Stage.SENT]) for run_id in run_ids}
    in_window = [token for run in run_tokens.values() for token in run if start_ms <= token.sent <= end_ms]
    simulated_lat, per_viewer_p99 = [], []
    delivered = 0
    for one in simulated["viewers"]:
        lat = latencies(one["received"], run_tokens[one["url"].rsplit("/", 1)[-1]], start_ms, end_ms)
        simulated_lat += lat
        delivered += len(lat)
        if len(lat) > 1:
            per_viewer_p99.append(pct(lat, 99))
    received_lat, dom_lat = [], []
    long_tasks = []
    for tab in tabs:
        seen = observed(tab)
        run_id = tab.url.rsplit("/", 1)[-1]
        received = {agent: list(points) for agent, points in series(seen, "r").items()}
        shown = {agent: list(points) for agent, points in series(seen, "m").items()}
        received_lat += latencies(received, run_tokens[run_id], start_ms, end_ms)
        dom_lat += latencies(shown, run_tokens[run_id], start_ms, end_ms)
        long_tasks += [task for task in tab.evaluate("window.__longTasks || []") if start_ms <= task[0] <= end_ms]
    context.close()
    streamed = len(in_window)
    # The appends that held them: more chunks than one an append when the process read its runs' streams late.
    appends = len({(token.run_id, token.seq) for token in in_window})
    # How long a token waited before the process working its run read it: a process that falls behind its runs
    # reads late, however fast it then delivers.
    received_at = noted[Stage.RECEIVED]
    read = [received_at[key] - token.sent for token in in_window
            if (key := f"{token.message_id}|{token.end}") in received_at]
    return {"viewers": viewers, "connected": len(simulated["viewers"]), "runs": runs, "tabs": len(tabs),
            "tokens_per_s": streamed / WINDOW_S, "per_append": streamed / max(1, appends), "read": read,
            "simulated": simulated_lat, "received": received_lat,
            "dom": dom_lat, "viewer_cpu_s": simulated["cpu_s"], "server_cpu_ms_per_delivered":
                cpu * 1000 / (delivered + len(dom_lat)) if delivered else None,
            "long_tasks": long_tasks, "load": os.getloadavg()[0]}


def ms(value) -> str:
    return "n/a" if value is None else f"{value:.0f}"


def row(deployment: str, r: dict) -> str:
    sim, dom = r["simulated"], r["dom"]
    ratio = f"{pct(dom, 99) / pct(sim, 99):.2f}×" if pct(sim, 99) and pct(dom, 99) else "n/a"
    connected = "" if r["connected"] == r["viewers"] else f" ({r['connected']} connected)"
    longest = max((task[1] for task in r["long_tasks"]), default=0)
    cpu = r["server_cpu_ms_per_delivered"]
    return (f"| {deployment} | {r['viewers']}{connected} | {r['runs']} | {r['tokens_per_s']:.0f} "
            f"| {ms(pct(r['read'], 50))} / {ms(pct(r['read'], 99))} | {r['per_append']:.2f} "
            f"| {ms(pct(sim, 50))} | {ms(pct(sim, 99))} | {ms(pct(r['received'], 99))} | {ms(pct(dom, 50))} "
            f"| {ms(pct(dom, 99))} | {ratio} | {len(r['long_tasks'])} / {longest:.0f} "
            f"| {'n/a' if cpu is None else f'{cpu:.2f}'} | {r['viewer_cpu_s'] / WINDOW_S:.2f} | {r['load']:.1f} |")


HEADER = ["| deployment | simulated viewers | runs | tokens/s | model → read by the process p50 / p99 ms "
          "| chunks per text append | viewers p50 ms | viewers p99 ms "
          "| 5 tabs received p99 | 5 tabs DOM p50 | 5 tabs DOM p99 | tabs p99 / viewers p99 | tabs' long tasks in the "
          "window (count / longest ms) | server CPU ms per delivered token | viewers' CPU (cores) | load (1 min) |",
          "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--viewers", default="50,100,150,200")
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--tabs", type=int, default=REAL_TABS, help="real Chromium tabs beside the viewers")
    parser.add_argument("--scaled", action="store_true", help="two web instances of the scaled deployment")
    parser.add_argument("--model", choices=["apart", "same"], default="apart",
                        help="one process: the demo model in a process of its own (default), or in the app's")
    args = parser.parse_args()
    counts = [int(n) for n in args.viewers.split(",")]
    env = {"BOTARMY_DEMO_TOKEN_DELAY_MS": str(PACE_MS), "BOTARMY_BENCH_PAGES": "1", **UNLIMITED, **ONE_TOKEN_A_CHUNK}
    lines = list(HEADER)
    knee = None  # the first row whose viewers' p99 passes KNEE_MS
    print("\n".join(lines), flush=True)
    with tempfile.TemporaryDirectory() as tmp, sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
        for count in counts:
            with ExitStack() as stack:
                if args.scaled:
                    from tests.support.cluster import cluster
                    from tests.support.engines import postgres_server, redis_server
                    postgres = stack.enter_context(postgres_server())
                    redis = stack.enter_context(redis_server())
                    deployment = stack.enter_context(cluster(Path(tmp) / f"cluster{count}", postgres, redis,
                                                             webs=2, workers=1, env=env))
                    result = measure(browser, deployment.webs, deployment.workers, count, args.runs, args.tabs)
                    name = "2 web instances, 1 worker"
                else:
                    model_env, model = own_model(stack, Path(tmp) / f"model{count}", PACE_MS) \
                        if args.model == "apart" else ({}, None)
                    server = stack.enter_context(start_server(Path(tmp) / str(count), {**env, **model_env}))
                    result = measure(browser, [server], [model or server], count, args.runs, args.tabs)
                    name = "one process" + (", the demo model apart" if model else "")
            lines.append(row(name, result))
            print(lines[-1], flush=True)
            if knee is None and (pct(result["simulated"], 99) or 0) > KNEE_MS:
                knee = lines[-1]
        browser.close()
    print("\n".join(lines))
    print(f"\nFirst row past p99 {KNEE_MS} ms: {knee or 'none'}")


if __name__ == "__main__":
    main()
