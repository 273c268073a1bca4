"""Terminal output cannot drown the page: one tab's command prints 10 MB as fast as it can while a run streams in
another tab.

    python bench/terminal_flood.py

Measured in real Chromium against one server: the streaming run's token append → DOM latency (p50, p99) in its tab
before the flood (the floor, measured in the same run) and while the flood runs; and for the flood, how fast the
command printed and how fast its characters reached its own tab's terminal, against the per-tab cap
(BOTARMY_TERMINAL_BYTES_PER_SECOND). Prints a markdown table and writes it to its section of bench/RESULTS.md.
"""

import re
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

from playwright.sync_api import sync_playwright

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.live_path import content_events, latencies, observed, open_tabs, pct, viewer  # noqa: E402
from tests.support.browser import CHROMIUM, CHROMIUM_FLAGS, logged_terminal_text  # noqa: E402
from tests.support.server import ONE_TOKEN_A_CHUNK, start_server  # noqa: E402

PACE_MS = 20  # 50 tokens a second: the run streams through both windows
FLOOR_S = 6
FLOOD_BYTES = 10_000_000
FLOOD = f"python -c \"import sys; sys.stdout.write(('x' * 99 + '\\\\n') * {FLOOD_BYTES // 100})\""
TERMINAL_RATE = 524_288  # the default per-tab cap
SECTION = "## Terminal flood"
# The flood's tab notes how many characters its terminal has written, whenever that changes.
TERMINAL_WATCH = """
window.__chars = [];
new MutationObserver(() => {
  const terminal = document.querySelector('[data-testid=terminal]');
  if (terminal && terminal.dataset.chars) window.__chars.push([Date.now(), Number(terminal.dataset.chars)]);
}).observe(document, {subtree: true, attributes: true, attributeFilter: ['data-chars']});
"""


def measure(browser, data_dir: Path) -> dict:
    env = {"BOTARMY_DEMO_TOKEN_DELAY_MS": str(PACE_MS), "BOTARMY_COMMAND_OUTPUT_KB": "16384",
           "BOTARMY_TERMINAL_BYTES_PER_SECOND": str(TERMINAL_RATE), "BOTARMY_MAX_RUNS_PER_USER": "10",
           "BOTARMY_LLM_REQUESTS_PER_MINUTE": "10000", "BOTARMY_STARTS_PER_MINUTE": "100", **ONE_TOKEN_A_CHUNK}
    with start_server(data_dir, env) as server:
        context = viewer(browser, server)
        context.add_init_script(TERMINAL_WATCH)
        headers = {"Origin": server.url}
        flood_run = context.request.post(f"{server.url}/api/runs", headers=headers, data={
            "brief": "A flood gauge for a river.", "approvals": "analyst"}).json()["run_id"]
        while context.request.get(f"{server.url}/api/runs/{flood_run}").json()["status"] == "running":
            time.sleep(0.2)
        flood_tab, = open_tabs(context, [f"{server.url}/runs/{flood_run}"])
        stream_run = context.request.post(f"{server.url}/api/runs", headers=headers, data={
            "brief": "A tide table for a harbour.", "approvals": "none"}).json()["run_id"]
        stream_tab, = open_tabs(context, [f"{server.url}/runs/{stream_run}"])
        stream_tab.wait_for_selector("[data-testid=message]")
        floor_start = time.time() * 1000
        time.sleep(FLOOR_S)
        flood_start = time.time() * 1000
        command_id = context.request.post(f"{server.url}/api/runs/{flood_run}/commands", headers=headers,
                                          data={"command": FLOOD}).json()["command_id"]
        expected = None
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            commands = context.request.get(f"{server.url}/api/runs/{flood_run}").json()["commands"]
            command = next(c for c in commands if c["command_id"] == command_id)
            if command["status"] != "running":
                expected = command
                break
            time.sleep(0.2)
        shown_goal = len(logged_terminal_text(server, flood_run))
        flood_tab.wait_for_function(f"Number(document.querySelector('[data-testid=terminal]').dataset.chars) "
                                    f">= {shown_goal}", timeout=120_000, polling=100)
        flood_end = time.time() * 1000
        tokens = content_events(server, stream_run)
        seen = observed(stream_tab)
        floor = latencies(seen, tokens, floor_start, flood_start)
        during = latencies(seen, tokens, flood_start, flood_end - 1000)
        marks = flood_tab.evaluate("window.__chars")
        context.close()
    first = next(t for t, chars in marks if chars > 0)
    last_time, last_chars = marks[-1]
    return {"floor": floor, "during": during, "printed_bytes": expected["output_bytes"],
            "printed_s": expected["duration_ms"] / 1000, "shown_chars": last_chars,
            "shown_s": (last_time - first) / 1000, "window_s": (flood_end - flood_start) / 1000}


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp, sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
        result = measure(browser, Path(tmp))
        browser.close()
    floor, during = result["floor"], result["during"]
    lines = [
        "| the streaming run's tab | tokens | chunk → DOM p50 ms | p99 ms |", "|---|---:|---:|---:|",
        f"| alone (floor, the first {FLOOR_S} s) | {len(floor)} | {pct(floor, 50)} | {pct(floor, 99)} |",
        f"| while another tab's command prints 10 MB | {len(during)} | {pct(during, 50)} | {pct(during, 99)} |",
        "",
        "| the flood | bytes printed | printed in | characters reaching its page | over | reaching the page | "
        "per-tab cap |", "|---|---:|---:|---:|---:|---:|---:|",
        f"| `{FLOOD_BYTES:,}` bytes, as fast as it can | {result['printed_bytes']:,} | {result['printed_s']:.1f} s "
        f"| {result['shown_chars']:,} | {result['shown_s']:.1f} s "
        f"| {result['shown_chars'] / max(result['shown_s'], 0.001) / 1024:,.0f} KB/s | {TERMINAL_RATE // 1024} KB/s |",
    ]
    table = "\n".join(lines)
    print(table)
    note = (f"{SECTION}\n\n`python bench/terminal_flood.py` on {date.today():%Y-%m-%d}, on this shared 2-core machine "
            "(other engineers' test suites ran at the same time, so the figures are noisy; compare the two rows, "
            "which share the run, the server and the load). A run streams at "
            f"{1000 // PACE_MS} tokens/s in one tab; in another tab of the same browser, a command prints 10 MB "
            "into the run's sandboxed workspace. The run keeps 16 MB of a command's output for this measurement "
            "(default 1 MB), so the whole flood travels to the page.\n\n")
    results = ROOT / "bench" / "RESULTS.md"
    text = results.read_text() if results.exists() else ""
    text = re.sub(rf"\n*{re.escape(SECTION)}.*?(?=\n## |\Z)", "", text, flags=re.DOTALL).rstrip()
    results.write_text(f"{text}\n\n{note}{table}\n")


if __name__ == "__main__":
    main()
