"""The live path, measured: event appended → visible in the DOM of real Chromium tabs, catch-up after a
disconnect, server memory per tab and after many runs, server CPU per streamed token.

    python bench/live_path.py [--quick] [--leak-runs 100]

Prints a markdown table and writes it to bench/RESULTS.md. The floor, measured in the same run on the same
server, is a bare NiceGUI label update (ui/floor_page.py) watched by as many tabs.
"""

import argparse
import bisect
import statistics
import sys
import tempfile
import time
from pathlib import Path

from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import TimeoutError as PlaywrightTimeout
from playwright.sync_api import sync_playwright

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.support.browser import CHROMIUM, CHROMIUM_FLAGS  # noqa: E402
from tests.support.server import Server, start_server  # noqa: E402

PACE_MS = 10  # 100 tokens a second per run
WINDOW_S = 8
# Installed before any page script: notes when each message's length changes, and when the floor label changes.
OBSERVER = """
window.__seen = [];
new MutationObserver((records) => {
  const now = Date.now();
  for (const record of records) {
    const node = record.target.nodeType === Node.TEXT_NODE ? record.target.parentElement : record.target;
    if (!(node instanceof Element)) continue;
    if (record.type === 'attributes') {
      const message = node.closest('[data-testid=message]');
      if (message) window.__seen.push(['m', message.dataset.agent, Number(node.dataset.length), now]);
    }
    const floor = node.closest('[data-testid=floor]');
    if (floor && floor.textContent) window.__seen.push(['f', '', Number(floor.textContent), now]);
  }
}).observe(document, {subtree: true, childList: true, characterData: true, attributes: true,
                      attributeFilter: ['data-length']});
"""


# The viewer starts runs as fast as the scenario needs: the per-user limits are not what is measured here.
UNLIMITED = {"BOTARMY_MAX_RUNS_PER_USER": "100", "BOTARMY_STARTS_PER_MINUTE": "1000"}


def api(server: Server, method: str, path: str, body: dict | None = None) -> dict:
    with server.api() as client:
        response = client.request(method, path, json=body)
        response.raise_for_status()
        return response.json() if response.content else None


def proc(server: Server) -> tuple[float, int]:
    """CPU seconds used so far and resident memory in bytes of the server process."""
    fields = Path(f"/proc/{server.process.pid}/stat").read_text().rsplit(")", 1)[1].split()
    cpu = (int(fields[11]) + int(fields[12])) / 100  # utime + stime, in clock ticks of 1/100 s
    rss = next(int(line.split()[1]) * 1024 for line in Path(f"/proc/{server.process.pid}/status").read_text()
               .splitlines() if line.startswith("VmRSS:"))
    return cpu, rss


def content_events(server: Server, run_id: str) -> list[tuple[str, int, int]]:
    """(agent, message length after this token, append time in ms) of every streamed token."""
    lengths: dict[str, int] = {}
    out = []
    for event in server.events(run_id):
        if event["type"] == "TEXT_MESSAGE_CONTENT":
            agent = event["messageId"].split(":")[1]
            lengths[agent] = lengths.get(agent, 0) + len(event["delta"])
            out.append((agent, lengths[agent], event["timestamp"]))
    return out


def latencies(seen: list, tokens: list[tuple[str, int, int]], start_ms: float, end_ms: float) -> list[float]:
    by_agent: dict[str, tuple[list[float], list[float]]] = {}
    for kind, agent, length, when in seen:
        if kind == "m":
            lengths, times = by_agent.setdefault(agent, ([], []))
            lengths.append(length)
            times.append(when)
    result = []
    for agent, length, appended in tokens:
        if not start_ms <= appended <= end_ms or agent not in by_agent:
            continue
        lengths, times = by_agent[agent]
        index = bisect.bisect_left(lengths, length)
        if index < len(times):
            result.append(times[index] - appended)
    return result


def pct(values: list[float], q: int) -> str:
    """A percentile, or n/a when nothing was measured (every run ended before all tabs had loaded)."""
    return f"{statistics.quantiles(values, n=100, method='inclusive')[q - 1]:.1f}" if len(values) > 1 else "n/a"


def ratio(values: list[float], floor: list[float]) -> str:
    if len(values) < 2 or len(floor) < 2:
        return "n/a"
    return f"{float(pct(values, 99)) / float(pct(floor, 99)):.1f}×"


def viewer(browser, server: Server):
    """One browser (one user, whose tabs share its HTTP cache), with its identity cookie from a first visit."""
    context = browser.new_context()
    context.add_init_script(OBSERVER)
    context.request.get(server.url)
    return context


def open_tabs(context, urls: list[str], patience_s: float = 300):
    """Tabs of the viewer, loading in parallel; those not connected within `patience_s` are closed and left out,
    with what they showed on stderr, so that an overloaded machine yields a row instead of a crash."""
    pages = [context.new_page() for _ in urls]
    for page, url in zip(pages, urls):
        page.goto(url, wait_until="commit")
    deadline = time.monotonic() + patience_s
    connected = []
    for page in pages:
        try:
            page.wait_for_selector("[data-testid=connection-status][data-state=connected], [data-testid=floor]",
                                   timeout=max(1, deadline - time.monotonic()) * 1000)
            connected.append(page)
        except PlaywrightTimeout:
            shown = page.evaluate("document.body ? document.body.innerText.slice(0, 200) : ''")
            print(f"tab not connected after {patience_s:.0f} s, showing: {shown!r}", file=sys.stderr, flush=True)
            page.close()
    return connected


def observed(page) -> list:
    """What the tab's observer noted; a tab that reloaded meanwhile noted only what it saw since."""
    for _ in range(3):
        try:
            return page.evaluate("window.__seen")
        except PlaywrightError:  # evaluated while the page was navigating
            page.wait_for_load_state()
    return []


def start_runs(context, server: Server, count: int) -> list[str]:
    """Runs of the viewer's own, started through the API with its cookie, from its origin."""
    return [context.request.post(f"{server.url}/api/runs", headers={"Origin": server.url},
                                 data={"brief": f"A tool-lending library for street number {n}."}).json()["run_id"]
            for n in range(count)]


def scenario(browser, data_dir: Path, tabs: int, runs: int) -> dict:
    with start_server(data_dir, {"BOTARMY_DEMO_TOKEN_DELAY_MS": str(PACE_MS), "BOTARMY_BENCH_PAGES": "1",
                                 "BOTARMY_LLM_REQUESTS_PER_MINUTE": "10000", **UNLIMITED}) as server:
        floor_viewer = viewer(browser, server)
        floor_pages = open_tabs(floor_viewer, [f"{server.url}/bench/floor"] * tabs)
        time.sleep(3)
        floor_seen = [s for page in floor_pages for s in page.evaluate("window.__seen")]
        floor = [when - sent for kind, _, sent, when in floor_seen if kind == "f"]
        floor_viewer.close()

        context = viewer(browser, server)
        run_ids = start_runs(context, server, runs)
        pages = open_tabs(context, [f"{server.url}/runs/{run_ids[n % runs]}" for n in range(tabs)])
        reloaded = set()  # tabs the server dropped and made rebuild their page: an overloaded machine
        for page in pages:
            page.on("framenavigated", lambda frame: frame.parent_frame or reloaded.add(frame.page))
        time.sleep(2)
        cpu_before, _ = proc(server)
        start_ms = time.time() * 1000
        time.sleep(WINDOW_S)
        end_ms = time.time() * 1000 - 1000  # tokens of the last second may not have been shown yet
        cpu_after, rss = proc(server)
        time.sleep(1)
        tokens = {run_id: content_events(server, run_id) for run_id in run_ids}
        measured: list[float] = []
        for page in pages:
            run_id = page.url.rsplit("/", 1)[-1]
            measured += latencies(observed(page), tokens[run_id], start_ms, end_ms)
        streamed = sum(1 for run in tokens.values() for _, _, when in run if start_ms <= when <= end_ms + 1000)
        context.close()
        return {"tabs": tabs, "connected": len(pages), "reloaded": len(reloaded), "runs": runs, "lat": measured,
                "floor": floor, "rss": rss, "tokens": streamed,
                "cpu_ms_per_token": (cpu_after - cpu_before) * 1000 / max(1, streamed)}


def catch_up(browser, data_dir: Path, offline_s: float) -> float:
    with start_server(data_dir, {"BOTARMY_DEMO_TOKEN_DELAY_MS": str(PACE_MS)}) as server:
        context = viewer(browser, server)
        run_id = start_runs(context, server, 1)[0]
        page = open_tabs(context, [f"{server.url}/runs/{run_id}"])[0]
        page.wait_for_selector("[data-testid=message]")
        page.context.set_offline(True)
        time.sleep(offline_s)
        back = time.time() * 1000
        page.context.set_offline(False)
        agent, length, _ = [t for t in content_events(server, run_id) if t[2] <= back][-1]
        page.wait_for_function(
            "([agent, length]) => Number(document.querySelector(`[data-testid=message][data-agent=${agent}]`)"
            "?.dataset.length || 0) >= length", arg=[agent, length], timeout=120_000, polling=10)
        caught = time.time() * 1000 - back
        context.close()
        return caught


def leak_check(data_dir: Path, runs: int) -> tuple[int, int]:
    with start_server(data_dir, {"BOTARMY_DEMO_TOKEN_DELAY_MS": "0",
                                 "BOTARMY_LLM_REQUESTS_PER_MINUTE": "100000", **UNLIMITED}) as server:
        def one_run() -> None:
            run_id = api(server, "POST", "/api/runs", {"brief": "A tool-lending library."})["run_id"]
            while api(server, "GET", f"/api/runs/{run_id}")["status"] == "running":
                time.sleep(0.05)

        for _ in range(5):
            one_run()
        _, before = proc(server)
        for _ in range(runs):
            one_run()
        _, after = proc(server)
        return before, after


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="only 1 and 10 tabs, 10-s catch-up, 10 leak runs")
    parser.add_argument("--leak-runs", type=int, default=100)
    args = parser.parse_args()
    tab_counts = (1, 10) if args.quick else (1, 10, 50)
    lines = ["| tabs | connected | reloaded | runs | tokens/s | p50 ms | p95 ms | p99 ms | floor p50 | floor p99 "
             "| p99 / floor p99 | server CPU ms/token | server RSS MB |", "|" + "---:|" * 13]
    with tempfile.TemporaryDirectory() as tmp, sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
        rss_by_tabs: dict[int, int] = {}
        for runs in (1, 5):
            for tabs in tab_counts:
                result = scenario(browser, Path(tmp) / f"s{tabs}-{runs}", tabs, runs)
                lat, floor = result["lat"], result["floor"]
                cpu = f"{result['cpu_ms_per_token']:.2f}" if result["tokens"] else "n/a"
                lines.append(
                    f"| {tabs} | {result['connected']} | {result['reloaded']} | {runs} "
                    f"| {result['tokens'] / (WINDOW_S - 1):.0f} | {pct(lat, 50)} | {pct(lat, 95)} "
                    f"| {pct(lat, 99)} | {pct(floor, 50)} | {pct(floor, 99)} | {ratio(lat, floor)} | {cpu} "
                    f"| {result['rss'] / 2**20:.0f} |")
                print(lines[-1], flush=True)
                if runs == 1:
                    rss_by_tabs[tabs] = result["rss"]
        catch = [(s, catch_up(browser, Path(tmp) / f"c{s}", s)) for s in ((10,) if args.quick else (10, 60))]
        browser.close()
    leak_runs = 10 if args.quick else args.leak_runs
    with tempfile.TemporaryDirectory() as tmp:
        before, after = leak_check(Path(tmp), leak_runs)
    most = max(rss_by_tabs)
    per_tab = (rss_by_tabs[most] - rss_by_tabs[1]) / (most - 1) / 1024
    lines += ["", f"Server RSS per connected tab (1 → {most} tabs on one run): {per_tab:.0f} KB."]
    lines += ["", "| disconnect | catch-up after reconnect (ms) |", "|---:|---:|"]
    lines += [f"| {s} s | {ms:.0f} |" for s, ms in catch]
    lines += ["", f"| server RSS after 5 runs (MB) | after another {leak_runs} runs (MB) | growth per run (KB) |",
              "|---:|---:|---:|",
              f"| {before / 2**20:.0f} | {after / 2**20:.0f} | {(after - before) / 1024 / leak_runs:.0f} |"]
    table = "\n".join(lines)
    print("\n" + table)
    header = ("# Live path benchmark\n\n`python bench/live_path.py` on this machine (2 cores; the server, the "
              "demo model and every Chromium tab share them). Latency: a token's append to the event log → its "
              f"text in the DOM of every tab watching its run; runs stream at {1000 // PACE_MS} tokens/s each; "
              "tabs are spread evenly over the runs. Floor: a bare NiceGUI label update pushed to as many tabs "
              "on the same server.\n\n")
    (ROOT / "bench" / "RESULTS.md").write_text(header + table + "\n")


if __name__ == "__main__":
    main()
