"""The live path, measured: an LLM chunk sent by the model → its text in the DOM of real Chromium tabs, stage by
stage; updates per tab, server CPU per token, the browser's own cost per update; catch-up after a disconnect,
opening a finished run with long answers, server memory per tab and after many runs.

    python bench/live_path.py [--quick] [--peer chainlit] [--leak-runs 100] [--model apart|same]

Prints markdown tables, which bench/RESULTS.md keeps with their date. Every latency row has its floor beside it,
measured in the same run on the same server: a bare NiceGUI label pushed to as many tabs at the same pace (ui/floor_page.py).
`--peer chainlit` installs Chainlit into its own virtual environment under bench/ (ignored by git) and measures it
streaming the same tokens from the same demo model, watched by the same observer.

The demo model runs in a process of its own (tests/support/demo_model.py), which the app reaches over HTTP as any
OpenAI-compatible service, so the server's CPU columns are the app's alone; `--model same` serves it from the app's
own process, as earlier tables were measured. The floor's server CPU per update is what NiceGUI spends delivering
the bare label's updates, in the same process.

The server runs with BOTARMY_BENCH_PAGES=1, which turns on its stage stamps (core/trace.py): the demo model notes
when it sent each chunk, the agent step when the LLM client handed it over, the store when its transaction
committed, the run's live view when the bus handed it over, and the flusher when every tab's update holding it went
to NiceGUI's outbox. The browser notes when the update arrived on its socket and when the text was in the DOM.
"""

import argparse
import bisect
import hashlib
import json
import re
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path

from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import TimeoutError as PlaywrightTimeout
from playwright.sync_api import sync_playwright

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from core.trace import Stage, brief_digest  # noqa: E402
from tests.support.browser import CHROMIUM, CHROMIUM_FLAGS  # noqa: E402
from tests.support.demo_model import add_model  # noqa: E402
from tests.support.server import ONE_TOKEN_A_CHUNK, Server, free_port, start_server  # noqa: E402

WINDOW_S = 6
# Installed before any page script. Notes [kind, agent, length, time in Unix ms]: 'm' a message shows `length`
# characters (its data-length), 'r' an append up to `length` arrived on the socket, 'f' the floor label changed
# (`length` is its send time), 't' the text of the index-th element matching window.__textSelector grew to
# `length` letters and digits (the observer every page can be measured with, BotArmy's and the peer's alike).
OBSERVER = """
(() => {
  const now = () => performance.timeOrigin + performance.now();
  const seen = window.__seen = [];
  const texts = window.__texts = [];
  new MutationObserver((records) => {
    const t = now();
    for (const record of records) {
      const node = record.target.nodeType === Node.TEXT_NODE ? record.target.parentElement : record.target;
      if (!(node instanceof Element)) continue;
      if (record.type === 'attributes' && record.attributeName === 'data-length') {
        const message = node.closest('[data-testid=message]');
        if (message) seen.push(['m', message.dataset.agent, Number(node.dataset.length), t]);
      }
      const floor = node.closest('[data-testid=floor]');
      if (floor && floor.textContent) seen.push(['f', '', Number(floor.textContent), t]);
    }
    if (window.__textSelector) {
      document.querySelectorAll(window.__textSelector).forEach((element, index) => {
        const text = element.textContent.replace(/[^A-Za-z0-9]/g, '');
        if (text !== texts[index]) {
          texts[index] = text;
          seen.push(['t', String(index), text.length, t]);
        }
      });
    }
  }).observe(document, {subtree: true, childList: true, characterData: true, attributes: true,
                        attributeFilter: ['data-length']});
  // Every task that held the main thread over 50 ms: [start in Unix ms, duration in ms].
  const longTasks = window.__longTasks = [];
  new PerformanceObserver((list) => {
    for (const task of list.getEntries()) longTasks.push([performance.timeOrigin + task.startTime, task.duration]);
  }).observe({type: 'longtask', buffered: true});
  // Frames that held a long task, with what ran in them: [start in Unix ms, blocking ms, [[what ran, ms], ...]]
  // (a script by its invoker and source file, and the frame's rendering: style, layout and paint).
  const blocked = window.__blockedFrames = [];
  new PerformanceObserver((list) => {
    for (const frame of list.getEntries()) {
      if (!frame.blockingDuration) continue;
      const ran = frame.scripts.map((script) => [
        `${script.invokerType}: ${(script.sourceURL || script.invoker).split('/').pop().split('?')[0]}`,
        script.duration]);
      if (frame.renderStart) ran.push(['rendering', frame.startTime + frame.duration - frame.renderStart]);
      blocked.push([performance.timeOrigin + frame.startTime, frame.blockingDuration, ran]);
    }
  }).observe({type: 'long-animation-frame', buffered: true});
  let socket;
  Object.defineProperty(window, 'socket', {configurable: true, get: () => socket, set(value) {
    socket = value;
    value.prependAny((event, message) => {
      if (event !== 'run_javascript' || typeof message?.code !== 'string') return;
      const t = now();
      // One element's method (run_method), or a flush's calls gathered for the page's Calls element (ui/calls.py).
      const sent = /^return runMethod\\((\\d+), "(\\w+)", (.*)\\)$/s.exec(message.code);
      if (!sent) return;
      const args = JSON.parse(sent[3]);
      const calls = sent[2] === 'apply' ? args[0] : [[Number(sent[1]), sent[2], args]];
      for (const [id, method, [offset, delta]] of calls) {
        if (method !== 'append') continue;
        const agent = document.getElementById('c' + id)?.closest('[data-testid=message]')?.dataset.agent;
        seen.push(['r', agent || '', offset + delta.length, t]);
      }
    });
  }});
})();
"""
# Script, layout and style are the main thread's time in each; ThreadTime is its CPU time in all (wall-clock task
# durations would count the time a busy machine left the thread waiting).
BROWSER_METRICS = ("ScriptDuration", "LayoutDuration", "RecalcStyleDuration", "ThreadTime")
STAGES = [("sent", "sent by the model"), (Stage.RECEIVED, "received by the LLM client"),
          (Stage.COMMITTED, "committed"), (Stage.FANNED_OUT, "fanned out"), (Stage.HANDED, "handed to the socket"),
          ("browser", "received by the browser"), ("dom", "in the DOM")]

# The viewer starts runs as fast as the scenario needs: the per-user limits are not what is measured here.
UNLIMITED = {"BOTARMY_MAX_RUNS_PER_USER": "100", "BOTARMY_STARTS_PER_MINUTE": "1000",
             "BOTARMY_MAX_CONCURRENT_RUNS": "100", "BOTARMY_LLM_REQUESTS_PER_MINUTE": "100000",
             "BOTARMY_LLM_TOKENS_PER_MINUTE": "100000000", **ONE_TOKEN_A_CHUNK}


@dataclass(frozen=True)
class Token:
    run_id: str
    seq: int
    message_id: str
    agent: str
    end: int  # the message's length once this token is in
    brief: str  # digest of the run's brief, as the demo model's stamps name it
    sent: float  # when the demo model sent it, Unix ms


def pct(values: list[float], q: int) -> float | None:
    return statistics.quantiles(values, n=100, method="inclusive")[q - 1] if len(values) > 1 else None


def ms(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.1f}"


def proc(server: Server) -> tuple[float, int]:
    """CPU seconds used so far and resident memory in bytes of the server process."""
    fields = Path(f"/proc/{server.process.pid}/stat").read_text().rsplit(")", 1)[1].split()
    cpu = (int(fields[11]) + int(fields[12])) / 100  # utime + stime, in clock ticks of 1/100 s
    rss = next(int(line.split()[1]) * 1024 for line in Path(f"/proc/{server.process.pid}/status").read_text()
               .splitlines() if line.startswith("VmRSS:"))
    return cpu, rss


def stored_tokens(server: Server, run_id: str, sent: dict[str, float]) -> list[Token]:
    with sqlite3.connect(server.data_dir / "botarmy.sqlite3") as db:
        rows = db.execute("SELECT seq, payload FROM events WHERE run_id = ? ORDER BY seq", (run_id,)).fetchall()
    return streamed_tokens(run_id, [(seq, json.loads(payload)) for seq, payload in rows], sent)


def streamed_tokens(run_id: str, events: list[tuple[int, dict]], sent: dict[str, float]) -> list[Token]:
    """One Token per chunk the demo model sent of the run's answers (`sent`: its stamps, by agent|brief|end), with
    the seq of the stored event (seq, AG-UI event as JSON) that holds it. A process behind its stream appends
    several chunks as one event (agents.reading): each is measured from its own sending, not the last one's."""
    ends: dict[str, list[int]] = defaultdict(list)
    for key in sent:
        stream, end = key.rsplit("|", 1)
        ends[stream].append(int(end))
    for values in ends.values():
        values.sort()
    brief, lengths, tokens = "", defaultdict(int), []
    for seq, event in events:
        if event["type"] == "CUSTOM" and event["name"] == "run_configured":
            brief = brief_digest(event["value"]["brief"])
        elif event["type"] == "TEXT_MESSAGE_CONTENT":
            message_id = event["messageId"]
            agent, start = message_id.split(":")[1], lengths[message_id]
            lengths[message_id] += len(event["delta"])
            chunks = ends.get(f"{agent}|{brief}", [])
            for end in chunks[bisect.bisect_right(chunks, start):bisect.bisect_right(chunks, lengths[message_id])]:
                tokens.append(Token(run_id, seq, message_id, agent, end, brief, sent[f"{agent}|{brief}|{end}"]))
    return tokens


def stamps(*sources: Server) -> dict[str, dict[str, float]]:
    """The stage stamps since the last call of every process of the live path (the app, the demo model's when it
    has one of its own), in Unix ms, by stage and key."""
    by_stage: dict[str, dict[str, float]] = defaultdict(dict)
    for url in dict.fromkeys(source.url for source in sources):
        with urllib.request.urlopen(f"{url}/bench/trace", timeout=60) as response:
            noted = json.loads(response.read())["stamps"]
        for stage, key, at in noted:
            by_stage[stage].setdefault(key, at * 1000)
    return by_stage


def own_model(stack: ExitStack, directory: Path, pace_ms: float) -> tuple[dict[str, str], Server]:
    """The demo model in a process of its own, streaming a token a chunk every `pace_ms`: the app's settings that
    point its LLM client at it, and the process (its stamps say when it sent each chunk)."""
    hub = stack.enter_context(start_server(directory, {"PYTHONPATH": str(ROOT), "BOTARMY_BENCH_PAGES": "1"},
                                           program=["-m", "tests.support.demo_model"]))
    model = add_model(hub, directory / "model", "", pace_ms, tokens_per_chunk=1)
    return model.app_env, hub


def first_at_or_after(points: list[tuple[float, float]], value: float) -> float | None:
    """The time of the first (value, time) point, in order of value, whose value reaches `value`."""
    index = bisect.bisect_left(points, (value, -1.0))
    return points[index][1] if index < len(points) else None


def series(seen: list, kind: str) -> dict[str, list[tuple[float, float]]]:
    """(length, first time) per agent for one kind of observation, made monotonic so that bisect works."""
    out: dict[str, list[tuple[float, float]]] = defaultdict(list)
    for seen_kind, agent, length, when in seen:
        if seen_kind == kind and (not out[agent] or length > out[agent][-1][0]):
            out[agent].append((length, when))
    return out


def viewer(browser, server_url: str, text_selector: str | None = None):
    """One browser (one user, whose tabs share its HTTP cache), with its identity cookie from a first visit."""
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    if text_selector:
        context.add_init_script(f"window.__textSelector = {json.dumps(text_selector)};")
    context.add_init_script(OBSERVER)
    context.request.get(server_url)
    return context


def open_tabs(context, urls: list[str], ready: str, patience_s: float = 300):
    """Tabs of the viewer, loading in parallel; those not ready within `patience_s` are closed and left out, with
    what they showed on stderr, so that an overloaded machine yields a row instead of a crash."""
    pages = [context.new_page() for _ in urls]
    for page, url in zip(pages, urls):
        page.goto(url, wait_until="commit")
    deadline = time.monotonic() + patience_s
    connected = []
    for page in pages:
        try:
            page.wait_for_selector(ready, timeout=max(1, deadline - time.monotonic()) * 1000)
            connected.append(page)
        except PlaywrightTimeout:
            shown = page.evaluate("document.body ? document.body.innerText.slice(0, 200) : ''")
            print(f"tab not ready after {patience_s:.0f} s, showing: {shown!r}", file=sys.stderr, flush=True)
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


class BrowserCost:
    """Chromium's own accounting of one tab (CDP Performance.getMetrics): seconds of script, layout, style and the
    main thread's CPU, between `start` and `stop`."""

    def __init__(self, context, page) -> None:
        self.session = context.new_cdp_session(page)
        self.session.send("Performance.enable")
        self.before: dict[str, float] = {}
        self.spent: dict[str, float] = {}

    def _read(self) -> dict[str, float]:
        metrics = self.session.send("Performance.getMetrics")["metrics"]
        return {m["name"]: m["value"] for m in metrics if m["name"] in BROWSER_METRICS}

    def start(self) -> None:
        self.before = self._read()

    def stop(self) -> None:
        after = self._read()
        self.spent = {name: after[name] - self.before.get(name, 0) for name in after}


def start_runs(context, server_url: str, count: int, pace_ms: float, approvals: str = "none") -> list[str]:
    """Runs of the viewer's own, started through the API with its cookie, from its origin."""
    return [context.request.post(f"{server_url}/api/runs", headers={"Origin": server_url},
                                 data={"brief": f"A tool-lending library for street number {n} ({pace_ms:g} ms).",
                                       "approvals": approvals}).json()["run_id"] for n in range(count)]


def wait_for_status(context, server_url: str, run_id: str, status: str, patience_s: float = 120) -> None:
    deadline = time.monotonic() + patience_s
    while context.request.get(f"{server_url}/api/runs/{run_id}").json()["status"] != status:
        if time.monotonic() > deadline:
            raise RuntimeError(f"run {run_id} was not {status} after {patience_s:.0f} s")
        time.sleep(0.2)


def approve_when_waiting(context, server_url: str, run_ids: list[str]) -> None:
    """Each run, once it waits for the approval of the Analyst's answer, goes on: its tabs are all open by then."""
    for run_id in run_ids:
        wait_for_status(context, server_url, run_id, "waiting_approval")
        context.request.post(f"{server_url}/api/runs/{run_id}/approve", headers={"Origin": server_url})


def measure_floor(browser, server: Server, tabs: int, pace_ms: float) -> tuple[list[float], float | None, float]:
    """The floor's latencies, the server's CPU ms per update it delivered to a tab, and what an update of its label
    costs a tab's main thread (CDP ThreadTime, ms): what any NiceGUI page pays per update on this machine, socket and
    frame included."""
    context = viewer(browser, server.url)
    pages = open_tabs(context, [f"{server.url}/bench/floor?interval_ms={pace_ms:g}"] * tabs, "[data-testid=floor]")
    costs = [BrowserCost(context, page) for page in pages]
    for cost in costs:
        cost.start()
    cpu_before, _ = proc(server)
    start_ms = time.time() * 1000
    time.sleep(3)
    cpu = proc(server)[0] - cpu_before
    end_ms = time.time() * 1000
    for cost in costs:
        cost.stop()
    seen = [observed(page) for page in pages]
    latencies = [when - sent for one in seen for kind, _, sent, when in one if kind == "f"]
    delivered = sum(len({sent for kind, _, sent, _ in one if kind == "f" and start_ms <= sent <= end_ms})
                    for one in seen)
    context.close()
    return (latencies, cpu * 1000 / delivered if delivered else None,
            sum(c.spent.get("ThreadTime", 0) for c in costs) * 1000 / max(1, delivered))


BOTARMY_ANALYST_TEXT = "[data-testid=message][data-agent=analyst] [data-testid=message-body]"
PEER_TEXT = "[data-step-type=assistant_message] .message-content"


def measure_live(browser, server: Server, model: Server, tabs: int, runs: int, pace_ms: float,
                 text_observer: bool = False) -> dict:
    """`model`: the process the demo model streams from (the server itself, or its own). `text_observer`: also
    measure the first run's Analyst answer as the peer is measured."""
    stamps(server, model)  # forget what earlier scenarios noted
    context = viewer(browser, server.url, BOTARMY_ANALYST_TEXT if text_observer else None)
    # With many tabs, or at 1000 tokens/s on a quiet machine, a run could end before its tabs have loaded: it waits
    # after the Analyst until they have.
    gated = (tabs > 1 or pace_ms < 5) and not text_observer
    run_ids = start_runs(context, server.url, runs, pace_ms, "analyst" if gated else "none")
    pages = open_tabs(context, [f"{server.url}/runs/{run_ids[n % runs]}" for n in range(tabs)],
                      "[data-testid=connection-status][data-state=connected]")
    if gated:
        approve_when_waiting(context, server.url, run_ids)
    reloaded = set()  # tabs the server dropped and made rebuild their page: an overloaded machine
    for page in pages:
        page.on("framenavigated", lambda frame: frame.parent_frame or reloaded.add(frame.page))
    costs = [BrowserCost(context, page) for page in pages]
    if pages:
        pages[0].wait_for_selector("[data-testid=message][data-complete=false]", timeout=60_000)
    cpu_before, _ = proc(server)
    for cost in costs:
        cost.start()
    start_ms = time.time() * 1000
    time.sleep(WINDOW_S)
    for cost in costs:
        cost.stop()
    cpu_after, rss = proc(server)
    end_ms = time.time() * 1000 - 1000  # tokens of the last second may not have been shown yet
    time.sleep(1)
    noted = stamps(server, model)
    tokens = {run_id: stored_tokens(server, run_id, noted["sent"]) for run_id in run_ids}
    handed = _handed(noted)
    stage_times: dict[str, list[float]] = defaultdict(list)  # cumulative ms since sent, per token and tab
    latencies, per_second, updates, early, late = [], [], 0, [], []
    for page, cost in zip(pages, costs):
        seen = observed(page)
        shown, received = series(seen, "m"), series(seen, "r")
        in_window = [s for s in seen if s[0] == "r" and start_ms <= s[3] <= start_ms + WINDOW_S * 1000]
        updates += len(in_window)
        per_second.append(len(in_window) / WINDOW_S)
        for token in tokens[page.url.rsplit("/", 1)[-1]]:
            sent = token.sent
            if not start_ms <= sent <= end_ms:
                continue
            dom = first_at_or_after(shown.get(token.agent, []), token.end)
            if dom is None:
                continue
            latencies.append(dom - sent)
            (early if sent < (start_ms + end_ms) / 2 else late).append(dom - sent)
            key = f"{token.run_id}|{token.seq}"
            times = {"sent": sent, Stage.RECEIVED: noted[Stage.RECEIVED].get(f"{token.message_id}|{token.end}"),
                     Stage.COMMITTED: noted[Stage.COMMITTED].get(key),
                     Stage.FANNED_OUT: noted[Stage.FANNED_OUT].get(key),
                     Stage.HANDED: first_at_or_after(handed.get(token.run_id, []), token.seq),
                     "browser": first_at_or_after(received.get(token.agent, []), token.end), "dom": dom}
            for stage, at in times.items():
                if at is not None:
                    stage_times[stage].append(at - sent)
    streamed = sum(1 for run in tokens.values() for token in run
                   if start_ms <= token.sent <= start_ms + WINDOW_S * 1000)
    delivered = streamed * tabs // max(1, runs)
    text_lat = None
    if text_observer and pages:
        first = run_ids[0]
        brief = f"A tool-lending library for street number 0 ({pace_ms:g} ms)."
        seen, texts = observed(pages[0]), pages[0].evaluate("window.__texts")
        text_lat = text_latencies(seen, "0", demo_sends(noted, "analyst", brief, _demo_answer(brief)),
                                  texts[0] if texts else "", start_ms) if first else None
    browser_cost = {name: sum(c.spent.get(name, 0) for c in costs) * 1000 / max(1, updates)
                    for name in BROWSER_METRICS}
    long_tasks = [task for page in pages for task in page.evaluate("window.__longTasks")
                  if start_ms <= task[0] <= start_ms + WINDOW_S * 1000]
    context.close()
    return {"tabs": tabs, "connected": len(pages), "reloaded": len(reloaded), "runs": runs, "lat": latencies,
            "stages": stage_times, "rss": rss, "tokens_per_s": streamed / WINDOW_S,
            "updates_per_s": max(per_second, default=0),
            "cpu_per_token": (cpu_after - cpu_before) * 1000 / streamed if streamed else None,
            "cpu_per_delivered": (cpu_after - cpu_before) * 1000 / delivered if delivered else None,
            "browser": browser_cost, "text_lat": text_lat, "long_tasks": long_tasks, "drift": (statistics.median(late) - statistics.median(early))
            if early and late else None}


def whole_run_long_tasks(browser, data_dir: Path, tabs: int) -> dict:
    """Long tasks in tabs watching one whole demo run at 100 tokens/s, a token a chunk: every agent starting and
    finishing, diagrams, the timeline, the run's end. The page's first mount is counted apart (before the tab is
    connected), so what a run does to a page that is already open is what the first numbers say."""
    env = {"BOTARMY_DEMO_TOKEN_DELAY_MS": "10", **UNLIMITED}
    with start_server(data_dir, env) as server:
        context = viewer(browser, server.url)
        [run_id] = start_runs(context, server.url, 1, 10, "analyst")
        pages = open_tabs(context, [f"{server.url}/runs/{run_id}"] * tabs,
                          "[data-testid=connection-status][data-state=connected]")
        ready_ms = time.time() * 1000
        approve_when_waiting(context, server.url, [run_id])
        deadline = time.monotonic() + 300
        while context.request.get(f"{server.url}/api/runs/{run_id}").json()["status"] == "running":
            if time.monotonic() > deadline:
                raise RuntimeError(f"run {run_id} did not end within 300 s")
            time.sleep(0.2)
        time.sleep(2)  # what the page does once the run has ended (the last card, the timeline's last draw)
        tasks = [page.evaluate("window.__longTasks") for page in pages]
        frames = [frame for page in pages for frame in page.evaluate("window.__blockedFrames") if frame[0] >= ready_ms]
        context.close()
    during = [duration for noted in tasks for start, duration in noted if start >= ready_ms]
    mount = [duration for noted in tasks for start, duration in noted if start < ready_ms]
    return {"tabs": len(pages), "during": during, "mount": mount, "causes": causes(frames)}


def causes(frames: list) -> list[tuple[str, float]]:
    """What the frames that held a long task spent their time on, most first: each script by its invoker and
    source, and their rendering (style, layout, paint); ms in all."""
    spent: dict[str, float] = defaultdict(float)
    for _, _, scripts in frames:
        for what, duration in scripts:
            spent[what] += duration
    return sorted(spent.items(), key=lambda item: -item[1])


def _handed(noted: dict[str, dict[str, float]]) -> dict[str, list[tuple[float, float]]]:
    """Per run: (last sequence number handed to every tab, when), in order."""
    out: dict[str, list[tuple[float, float]]] = defaultdict(list)
    for key, at in sorted(noted[Stage.HANDED].items(), key=lambda item: item[1]):
        run_id, seq = key.rsplit("|", 1)
        if not out[run_id] or int(seq) > out[run_id][-1][0]:
            out[run_id].append((int(seq), at))
    return out


# --- the peer ----------------------------------------------------------------------------------------------------

PEER_DIR = ROOT / "bench" / ".venv-chainlit"
PEER_APP = ROOT / "bench" / "peers" / "chainlit_app.py"
CHAINLIT = "chainlit==2.12.0"


def install_chainlit() -> Path:
    """Chainlit in its own virtual environment under bench/, made once."""
    chainlit = PEER_DIR / "bin" / "chainlit"
    if not chainlit.exists():
        subprocess.run([sys.executable, "-m", "venv", str(PEER_DIR)], check=True)
        subprocess.run([str(PEER_DIR / "bin" / "pip"), "install", "-q", CHAINLIT, "openai"], check=True)
    return chainlit


def text_latencies(seen: list, index: str, sends: list[tuple[str, float]], final: str,
                   since_ms: float = 0) -> list[float]:
    """Chunk → DOM by the text observer: where each sent prefix's letters and digits end in the final text, and
    when the element first held that many. Prefixes whose tail does not show (markup) are left out, and so are
    chunks sent before `since_ms` (shown when the page was built, not streamed into it)."""
    grown = series(seen, "t").get(index, [])
    latencies, position = [], 0
    for prefix, sent in sends:
        tail = prefix[-16:]
        if len(tail) < 16:
            continue
        found = final.find(tail, max(0, position - 16))
        if found < 0:
            continue
        position = found + len(tail)
        if sent < since_ms:
            continue
        shown = first_at_or_after(grown, position)
        if shown is not None:
            latencies.append(shown - sent)
    return latencies


def demo_sends(noted: dict, agent: str, brief: str, answer: str) -> list[tuple[str, float]]:
    """(letters and digits of the answer up to the chunk, when the demo model sent it) for one stream."""
    prefix_key = f"{agent}|{brief_digest(brief)}|"
    out = []
    for key, at in noted["sent"].items():
        if key.startswith(prefix_key):
            end = int(key[len(prefix_key):])
            out.append((end, at))
    return [(re.sub(r"[^A-Za-z0-9]", "", answer[:end]), at) for end, at in sorted(out)]


def measure_peer_chainlit(browser, model: Server, base_url: str, pace_ms: float) -> list[float]:
    """Chainlit streaming the demo model at `base_url`, whose sends `model` (the process serving it) stamps."""
    chainlit = install_chainlit()
    port = free_port()
    work = Path(tempfile.mkdtemp(prefix="chainlit-"))
    env = {"PATH": f"{PEER_DIR / 'bin'}:/usr/bin:/bin", "HOME": str(work), "DEMO_BASE_URL": base_url}
    with open(work / "chainlit.log", "wb") as log:
        process = subprocess.Popen([str(chainlit), "run", str(PEER_APP), "--headless", "--port", str(port)],
                                   cwd=work, env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        url = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                urllib.request.urlopen(url, timeout=1)
                break
            except OSError:
                time.sleep(0.3)
        stamps(model)
        brief = f"A tool-lending library for the peer ({pace_ms:g} ms)."
        context = viewer(browser, url, PEER_TEXT)
        page = context.new_page()
        page.goto(url)
        box = page.locator("#chat-input")
        for _ in range(20):  # Enter sends nothing until the chat's socket is connected
            box.fill(brief)
            box.press("Enter")
            try:
                page.wait_for_selector("[data-step-type=user_message]", timeout=3_000)
                break
            except PlaywrightTimeout:
                continue
        page.wait_for_function("() => window.__seen.length > 0", timeout=60_000)
        time.sleep(1)
        answer = _demo_answer(brief)
        deadline = time.monotonic() + 120
        target = len(re.sub(r"[^A-Za-z0-9]", "", answer))
        while time.monotonic() < deadline:
            texts = page.evaluate("window.__texts")
            if texts and len(texts[-1] or "") >= target * 0.95:
                break
            time.sleep(0.3)
        time.sleep(1)
        seen, texts = observed(page), page.evaluate("window.__texts")
        context.close()
        noted = stamps(model)
        index = str(len(texts) - 1)
        return text_latencies(seen, index, demo_sends(noted, "analyst", brief, answer), texts[-1])
    finally:
        process.terminate()
        process.wait(10)


def _demo_answer(brief: str) -> str:
    from core.demo.content import demo_answer
    return demo_answer("analyst", brief, None)


# --- the other measurements -------------------------------------------------------------------------------------

def catch_up(browser, data_dir: Path, offline_s: float) -> float:
    with start_server(data_dir, {"BOTARMY_DEMO_TOKEN_DELAY_MS": "10", **ONE_TOKEN_A_CHUNK}) as server:
        context = viewer(browser, server.url)
        run_id = start_runs(context, server.url, 1, 10)[0]
        page = open_tabs(context, [f"{server.url}/runs/{run_id}"],
                         "[data-testid=connection-status][data-state=connected]")[0]
        page.wait_for_selector("[data-testid=message]")
        page.context.set_offline(True)
        time.sleep(offline_s)
        back = time.time() * 1000
        page.context.set_offline(False)
        token = [t for t in server.events(run_id) if t["type"] == "TEXT_MESSAGE_CONTENT" and t["timestamp"] <= back]
        agent = token[-1]["messageId"].split(":")[1]
        length = sum(len(t["delta"]) for t in token if t["messageId"] == token[-1]["messageId"])
        page.wait_for_function(
            "([agent, length]) => Number(document.querySelector(`[data-testid=message][data-agent=${agent}]`)"
            "?.querySelector('[data-testid=message-body]')?.dataset.length || document.querySelector("
            "`[data-testid=message][data-agent=${agent}]`)?.dataset.length || 0) >= length",
            arg=[agent, length], timeout=120_000, polling=10)
        caught = time.time() * 1000 - back
        context.close()
        return caught


LONG_ANSWER_CHARS = 20_000


def finished_run_open(browser, data_dir: Path, lengths: list[int]) -> dict:
    """Opening a finished run whose answers have the given lengths in characters, on a first visit and again:
    ms from navigation until the transcript's text is painted and until every answer is rendered whole and the main
    thread free (interactive: the later of that and the end of the last long task within a second after it), and the
    page's long tasks."""
    import asyncio

    from core.demo.content import AGENTS, demo_answer
    from core.demo.model import tokens_of
    from core.domain.custom import ArtifactSaved, RunConfigured, custom
    from core.domain.events import (RunFinishedEvent, RunStartedEvent, SubagentFinishedEvent,
                                    SubagentStartedEvent, TextMessageContentEvent, TextMessageEndEvent,
                                    TextMessageStartEvent)
    from core.storage.backends import sqlite_storage

    brief = f"A tool-lending library with very long answers ({'+'.join(map(str, lengths))})."
    run_id = "long" + hashlib.sha1(brief.encode()).hexdigest()[:12]
    agents = AGENTS[:len(lengths)]

    async def write() -> None:
        store = sqlite_storage(data_dir / "botarmy.sqlite3")
        await store.catalogue.create_run(run_id, brief, "")  # adopted by the first user who appears
        events = [custom(RunConfigured(brief=brief, approvals=[])), RunStartedEvent(
            thread_id=run_id, run_id=run_id, metadata={"brief": brief, "agents": [
                {"name": name, "title": name.title()} for name in AGENTS]})]
        for name, length in zip(agents, lengths):
            answer = demo_answer(name, brief, None)
            answer = (answer * (length // len(answer) + 1))[:length]
            sub, message = f"{run_id}:{name}:1", f"{run_id}:{name}:1:answer:1"
            events += [SubagentStartedEvent(subagent_run_id=sub, name=name),
                       TextMessageStartEvent(message_id=message, role="assistant", subagent_run_id=sub)]
            events += [TextMessageContentEvent(message_id=message, delta=piece, subagent_run_id=sub)
                       for piece in tokens_of(answer)]
            events += [TextMessageEndEvent(message_id=message, subagent_run_id=sub),
                       custom(ArtifactSaved(agent=name, title=name, filename=f"{name}.md", content=answer)),
                       SubagentFinishedEvent(subagent_run_id=sub, result={})]
        events.append(RunFinishedEvent(thread_id=run_id, run_id=run_id))
        await store.log.append(run_id, events)
        await store.close()

    data_dir.mkdir(parents=True, exist_ok=True)
    with ThreadPoolExecutor(1) as thread:  # sync Playwright keeps an event loop running in this one
        thread.submit(asyncio.run, write()).result()
    with start_server(data_dir, ONE_TOKEN_A_CHUNK) as server:
        context = viewer(browser, server.url)
        # A first visit, then the same run opened again in another tab of the same browser, whose cache then holds
        # the page's scripts and styles, as it does for anyone who has used BotArmy before.
        # Whole: each answer's body shows as many characters as the message has (the server-rendered answer of
        # earlier versions has no count of its own: its text is there).
        whole = f"""(() => {{
            const done = [...document.querySelectorAll('[data-testid=message][data-complete=true]')];
            return done.length === {len(lengths)} && done.every(m => {{
                const body = m.querySelector('[data-testid=message-body]');
                return body ? body.dataset.length === m.dataset.length : m.textContent.length > 1000;
            }});
        }})()"""
        painted = "[...document.querySelectorAll('[data-testid=message]')].some(m => m.textContent.length > 200)"
        opened = {visit: _open(context, f"{server.url}/runs/{run_id}", painted, whole) for visit in ("first", "again")}
        context.close()
    return opened


def floor_open(browser, data_dir: Path) -> dict:
    """The floor of opening a page: NiceGUI's bare page of one label (ui/floor_page.py), on a first visit and again,
    measured as finished_run_open measures a run's page (its label is in the DOM: painted and whole)."""
    with start_server(data_dir, {"BOTARMY_BENCH_PAGES": "1"}) as server:
        context = viewer(browser, server.url)
        shown = "document.querySelector('[data-testid=floor]') !== null"
        # The label's timer does not fire while the page is measured: the page's own work is what is counted.
        opened = {visit: _open(context, f"{server.url}/bench/floor?interval_ms=600000", shown, shown)
                  for visit in ("first", "again")}
        context.close()
    return opened


def open_cpu(browser, data_dir: Path, opens: int = 4) -> dict[str, tuple[float, list[tuple[str, float]]]]:
    """What opening a page costs its main thread: a finished demo run's page (its answers' code and diagram
    included) and the floor's, each opened `opens` times in a tab of its own, sampled by V8's profiler (CDP) from
    navigation until 2.5 s after the run's diagram is drawn (the floor: its label shown). Per page, the mean ms
    busy (all but idle) and by script file, ES modules by their import-map names, in the order of cost."""
    with start_server(data_dir, {"BOTARMY_BENCH_PAGES": "1", "BOTARMY_DEMO_TOKEN_DELAY_MS": "0"}) as server:
        context = viewer(browser, server.url)
        (run_id,) = start_runs(context, server.url, 1, 0)
        wait_for_status(context, server.url, run_id, "completed")
        pages = {"a finished demo run": (f"{server.url}/runs/{run_id}", ".mermaid-svg svg"),
                 "floor: NiceGUI's bare page, one label": (f"{server.url}/bench/floor?interval_ms=600000",
                                                           "[data-testid=floor]")}
        costs = {}
        for name, (url, shown) in pages.items():
            spent: dict[str, float] = defaultdict(float)
            for _ in range(opens):
                for script, ms in cpu_by_script(context, url, shown).items():
                    spent[script] += ms / opens
            spent.pop("(idle)", None)
            costs[name] = (sum(spent.values()), sorted(spent.items(), key=lambda item: -item[1]))
        context.close()
    return costs


def cpu_by_script(context, url: str, shown: str) -> dict[str, float]:
    """One opening of `url` in a new tab, until 2.5 s after `shown` is in the page: ms of its main thread by script
    file (V8's sampling profiler), ES modules by their import-map names; "(idle)" is what was not busy."""
    page = context.new_page()
    session = context.new_cdp_session(page)
    session.send("Profiler.enable")
    session.send("Profiler.setSamplingInterval", {"interval": 200})
    session.send("Profiler.start")
    page.goto(url)
    page.wait_for_selector(shown, state="attached", timeout=60_000)
    page.wait_for_timeout(2500)
    profile = session.send("Profiler.stop")["profile"]
    imports = page.evaluate("JSON.parse(document.querySelector('script[type=importmap]').text).imports")
    page.close()
    modules = {address.rsplit("/", 2)[-2]: module.rstrip("/") for module, address in imports.items()
               if "/esm/" in address}
    nodes = {node["id"]: node["callFrame"] for node in profile["nodes"]}
    spent: dict[str, float] = defaultdict(float)
    for sample, delta in zip(profile["samples"], profile["timeDeltas"]):
        frame = nodes[sample]
        *_, folder, file = ["", *frame["url"].split("/")]
        spent[f"{modules.get(folder, folder)}/{file}" if file else frame["functionName"]] += delta / 1000
    return spent


FINISHED_BLOCKS = """(() => {
  window.__finishing = {};
  const noted = window.__finishing;
  new MutationObserver(() => {
    const now = performance.now();
    const architect = document.querySelector('[data-testid=message][data-agent=architect][data-complete=true]');
    if (architect && !noted.complete) noted.complete = now;
    if (architect && !noted.diagram && architect.querySelector('.mermaid-svg svg')) noted.diagram = now;
    const code = document.querySelector('[data-testid=transcript] .codehilite code');
    if (code && !noted.code) noted.code = now;
    if (code && !noted.highlighted && code.querySelector('span[class]')) noted.highlighted = now;
  }).observe(document, { childList: true, subtree: true, attributes: true });
})();"""


def finishing_latency(browser, data_dir: Path, runs: int = 3) -> list[tuple[float, float]]:
    """How soon a live run's finished blocks are drawn: ms from the Architect's answer complete to its diagram drawn,
    and from the first code block shown to its first highlighting, in demo runs at 500 tokens/s, each in a tab of its
    own."""
    with start_server(data_dir, {"BOTARMY_DEMO_TOKEN_DELAY_MS": "2"}) as server:
        context = viewer(browser, server.url)
        context.add_init_script(FINISHED_BLOCKS)
        out = []
        for _ in range(runs):  # one after another, each watched from its start
            (run_id,) = start_runs(context, server.url, 1, 2)
            page = context.new_page()
            page.goto(f"{server.url}/runs/{run_id}")
            page.wait_for_selector("[data-testid=run-status][data-status=completed]", timeout=120_000)
            page.wait_for_function("window.__finishing.diagram && window.__finishing.highlighted", timeout=30_000)
            noted = page.evaluate("window.__finishing")
            out.append((noted["diagram"] - noted["complete"], noted["highlighted"] - noted["code"]))
            page.close()
        context.close()
    return out


def _open(context, url: str, painted: str, whole: str) -> dict:
    """One opening of a page in a new tab of `context` (see finished_run_open): `painted` and `whole` are the
    expressions true once its content is painted and once it is all rendered."""
    page = context.new_page()
    page.goto(url, wait_until="commit")
    # Checked in animation frames: true in one means the frame about to be painted shows it.
    painted = page.wait_for_function(f"() => ({painted}) && performance.now()", timeout=120_000, polling="raf")
    whole = page.wait_for_function(f"() => ({whole}) && performance.now()", timeout=120_000, polling="raf")
    page.wait_for_timeout(1000)  # what was left for idle time (highlighting, diagrams) runs
    tasks = page.evaluate("window.__longTasks.map(([start, duration]) => "
                          "[start - performance.timeOrigin, duration])")
    first, rendered = painted.json_value(), whole.json_value()
    page.close()
    last_task_end = max((start + duration for start, duration in tasks), default=0)
    return {"painted": first, "interactive": max(rendered, last_task_end),
            "long_tasks": len(tasks), "longest": max((duration for _, duration in tasks), default=0)}


def update_cost_by_length(browser, lengths: tuple[int, ...] = (1_000, 20_000)) -> list[tuple[int, dict]]:
    """What one streamed update costs the browser's main thread when the answer already holds `length` characters:
    the transcript alone (tests/support/component_app.py, /stream) getting a token every 10 ms. CDP metrics per
    update, and the main thread's tasks (a trace's RunTask events) at p50 and p99."""
    port = free_port()
    process = subprocess.Popen([sys.executable, "-m", "tests.support.component_app", str(port)], cwd=ROOT,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    out = []
    try:
        url = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 60
        while True:
            try:
                urllib.request.urlopen(f"{url}/calls", timeout=1).close()
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.2)
        for length in lengths:
            context = viewer(browser, url)
            page = context.new_page()
            page.goto(f"{url}/stream?chars={length}")
            page.wait_for_function("window.socket?.connected === true")
            time.sleep(2)
            cost = BrowserCost(context, page)
            trace: list[dict] = []
            cost.session.on("Tracing.dataCollected", lambda data: trace.extend(data["value"]))
            done = []
            cost.session.on("Tracing.tracingComplete", lambda _: done.append(True))
            cost.session.send("Tracing.start", {"categories": "toplevel,devtools.timeline,__metadata",
                                                "transferMode": "ReportEvents"})
            before = len(observed(page))
            cost.start()
            time.sleep(WINDOW_S)
            cost.stop()
            cost.session.send("Tracing.end")
            while not done:
                page.wait_for_timeout(100)
            updates = sum(1 for kind, *_ in observed(page)[before:] if kind == "r")
            main = {(e["pid"], e["tid"]) for e in trace if e.get("name") == "thread_name"
                    and e.get("args", {}).get("name") == "CrRendererMain"}
            tasks = [e["dur"] / 1000 for e in trace if e.get("name") in ("RunTask", "ThreadControllerImpl::RunTask")
                     and (e.get("pid"), e.get("tid")) in main and "dur" in e]
            per_update = {name: value * 1000 / max(1, updates) for name, value in cost.spent.items()}
            out.append((length, {**per_update, "updates": updates, "task_p50": pct(tasks, 50),
                                 "task_p99": pct(tasks, 99)}))
            context.close()
    finally:
        process.terminate()
        process.wait(10)
    return out


def leak_check(data_dir: Path, runs: int) -> tuple[int, int]:
    with start_server(data_dir, {"BOTARMY_DEMO_TOKEN_DELAY_MS": "0", **UNLIMITED}) as server:
        def one_run() -> None:
            with server.api() as client:
                run_id = client.post("/api/runs", json={"brief": "A tool-lending library."}).json()["run_id"]
                while client.get(f"/api/runs/{run_id}").json()["status"] == "running":
                    time.sleep(0.05)

        for _ in range(5):
            one_run()
        _, before = proc(server)
        for _ in range(runs):
            one_run()
        _, after = proc(server)
        return before, after


# --- the report -------------------------------------------------------------------------------------------------

def stage_table(stage_times: dict[str, list[float]]) -> list[str]:
    lines = ["| stage | p50 ms since sent | p99 ms since sent | tokens |", "|---|---:|---:|---:|"]
    for stage, name in STAGES:
        values = stage_times.get(stage, [])
        lines.append(f"| {name} | {ms(pct(values, 50))} | {ms(pct(values, 99))} | {len(values)} |")
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="1 and 5 tabs, 1000 tokens/s, no 10 × 5, short extras")
    parser.add_argument("--peer", choices=["chainlit"], help="also measure a peer with the same tokens")
    parser.add_argument("--leak-runs", type=int, default=100)
    parser.add_argument("--model", choices=["apart", "same"], default="apart",
                        help="the demo model in a process of its own (default), or in the app's")
    parser.add_argument("--only", help="comma list of parts to run: scenarios (1tab,5tabs,10tabs,10x5,1000tps) and "
                                       "extras (cost: an update at 1,000 and 20,000 characters, open: a long "
                                       "finished run opened, opencpu: the main thread's CPU opening a finished demo "
                                       "run and the floor, by script, finishing: how soon a live run's diagram "
                                       "and code are drawn, wholerun: long tasks over a whole run in 1 and 5 tabs, "
                                       "catchup, leak)")
    args = parser.parse_args()
    only = set(args.only.split(",")) if args.only else None

    def wanted(part: str) -> bool:
        return only is None or part in only

    scenarios = [("1tab", 1, 1, 10), ("5tabs", 5, 1, 10), ("10tabs", 10, 1, 10), ("10x5", 10, 5, 10),
                 ("1000tps", 1, 1, 1)]
    if args.quick:
        scenarios = [s for s in scenarios if s[0] in ("1tab", "5tabs", "1000tps")]
    scenarios = [s for s in scenarios if wanted(s[0])]
    lines = ["| tabs | runs | tokens/s | updates/s per tab | p50 ms | p99 ms | floor p50 | floor p99 "
             "| p99 / floor p99 | late − early p50 ms | server CPU ms/token | ms/delivered token "
             "| floor server CPU ms/update "
             "| browser script · layout · style · main-thread CPU ms/update | floor main-thread CPU ms/update "
             "| long tasks (count / longest ms) |",
             "|" + "---:|" * 16]
    stage_lines: list[str] = []
    peer_lines: list[str] = []
    with tempfile.TemporaryDirectory() as tmp, sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
        for name, tabs, runs, pace in scenarios:
            env = {"BOTARMY_DEMO_TOKEN_DELAY_MS": str(pace), "BOTARMY_BENCH_PAGES": "1", **UNLIMITED}
            with ExitStack() as stack:
                model_env, model = own_model(stack, Path(tmp) / f"{name}-model", pace) \
                    if args.model == "apart" else ({}, None)
                server = stack.enter_context(start_server(Path(tmp) / name, {**env, **model_env}))
                model = model or server
                floor, floor_cpu, floor_thread_ms = measure_floor(browser, server, tabs, pace)
                with_peer = args.peer == "chainlit" and name == "1tab"
                result = measure_live(browser, server, model, tabs, runs, pace, text_observer=with_peer)
                base_url = model_env.get("OPENAI_BASE_URL", f"{server.url}/demo/v1")
                peer = measure_peer_chainlit(browser, model, base_url, pace) if with_peer else None
            lat, cost = result["lat"], result["browser"]
            ratio = (f"{pct(lat, 99) / pct(floor, 99):.1f}×" if pct(lat, 99) and pct(floor, 99) else "n/a")
            cpu = ms(result["cpu_per_token"]) if result["cpu_per_token"] is None else f"{result['cpu_per_token']:.2f}"
            per_delivered = ("n/a" if result["cpu_per_delivered"] is None else f"{result['cpu_per_delivered']:.2f}")
            connected = "" if result["connected"] == tabs else f" ({result['connected']} connected)"
            lines.append(
                f"| {tabs}{connected} | {runs} "
                f"| {result['tokens_per_s']:.0f} | {result['updates_per_s']:.0f} | {ms(pct(lat, 50))} "
                f"| {ms(pct(lat, 99))} | {ms(pct(floor, 50))} | {ms(pct(floor, 99))} | {ratio} "
                f"| {ms(result['drift'])} | {cpu} | {per_delivered} "
                f"| {'n/a' if floor_cpu is None else f'{floor_cpu:.2f}'} "
                f"| {cost['ScriptDuration']:.2f} · {cost['LayoutDuration']:.2f} · "
                f"{cost['RecalcStyleDuration']:.2f} · {cost['ThreadTime']:.2f} | {floor_thread_ms:.2f} "
                f"| {len(result['long_tasks'])} / {max((t[1] for t in result['long_tasks']), default=0):.0f} |")
            print(lines[-1], flush=True)
            stage_lines += ["", f"Stages, {tabs} tab(s) × {runs} run(s) at {1000 / pace:.0f} tokens/s "
                            "(cumulative: each row includes the rows above):", ""] + stage_table(result["stages"])
            print("\n".join(stage_lines[-10:]), flush=True)
            if peer is not None:
                text = result["text_lat"] or []
                peer_lines = ["| 1 tab, 100 tokens/s, the Analyst's answer | p50 ms | p99 ms | tokens |",
                              "|---|---:|---:|---:|",
                              f"| floor (bare NiceGUI label) | {ms(pct(floor, 50))} | {ms(pct(floor, 99))} "
                              f"| {len(floor)} |",
                              f"| BotArmy | {ms(pct(text, 50))} | {ms(pct(text, 99))} | {len(text)} |",
                              f"| Chainlit {CHAINLIT.split('==')[1]} | {ms(pct(peer, 50))} | {ms(pct(peer, 99))} "
                              f"| {len(peer)} |"]
                print("\n".join(peer_lines), flush=True)
        costs = update_cost_by_length(browser) if wanted("cost") else []
        opened = [(lengths, finished_run_open(browser, Path(tmp) / f"long{n}", lengths))
                  for n, lengths in enumerate(([LONG_ANSWER_CHARS] * 5, [5 * LONG_ANSWER_CHARS]))
                  if wanted("open")]
        floor_opened = floor_open(browser, Path(tmp) / "floor-open") if wanted("open") else {}
        open_costs = open_cpu(browser, Path(tmp) / "open-cpu") if wanted("opencpu") else {}
        finishing = finishing_latency(browser, Path(tmp) / "finishing") if wanted("finishing") else []
        catch = [(s, catch_up(browser, Path(tmp) / f"c{s}", s)) for s in ((10,) if args.quick else (10, 60))
                 if wanted("catchup")]
        whole = [whole_run_long_tasks(browser, Path(tmp) / f"whole{tabs}", tabs) for tabs in (1, 5)
                 if wanted("wholerun")]
        browser.close()
    leak_runs = 10 if args.quick else args.leak_runs
    if wanted("leak"):
        with tempfile.TemporaryDirectory() as tmp:
            before, after = leak_check(Path(tmp), leak_runs)
    lines += stage_lines
    if peer_lines:
        lines += ["", "The peer, same tokens from the same demo model, same text observer:", ""] + peer_lines
    if costs:
        lines += ["", "| an update when the answer holds | updates | script · layout · style · main-thread CPU "
                  "ms/update | main-thread task p50 ms | p99 ms |", "|---:|---:|---:|---:|---:|"]
        lines += [f"| {length:,} characters | {c['updates']} | {c['ScriptDuration']:.2f} · "
                  f"{c['LayoutDuration']:.2f} · {c['RecalcStyleDuration']:.2f} · {c['ThreadTime']:.2f} "
                  f"| {ms(c['task_p50'])} | {ms(c['task_p99'])} |" for length, c in costs]
    if whole:
        lines += ["", "| a whole demo run at 100 tokens/s, watched by | long tasks over 50 ms during the run, all tabs "
                  "(count / longest ms) | the tabs' first mount (count / longest ms) |", "|---:|---:|---:|"]
        lines += [f"| {w['tabs']} tab{'s' if w['tabs'] > 1 else ''} | {len(w['during'])} / "
                  f"{max(w['during'], default=0):.0f} | {len(w['mount'])} / {max(w['mount'], default=0):.0f} |"
                  for w in whole]
        lines += ["", "What ran in the frames that held those long tasks (scripts by invoker and source file, ms in all "
                  "tabs):", ""]
        lines += [f"- {w['tabs']} tab{'s' if w['tabs'] > 1 else ''}: "
                  + (", ".join(f"{what} {spent:.0f}" for what, spent in w["causes"][:6]) or "none") for w in whole]
    lines += ["", "| disconnect | catch-up after reconnect (ms) |", "|---:|---:|"]
    lines += [f"| {s} s | {value:.0f} |" for s, value in catch]
    lines += ["", "| opening a finished run | visit | transcript painted (ms) | interactive (ms) | long tasks "
              "| longest (ms) |", "|---|---|---:|---:|---:|---:|"]
    lines += [f"| {len(lengths)} × {lengths[0]:,} characters | {visit} | {result['painted']:.0f} "
              f"| {result['interactive']:.0f} | {result['long_tasks']} | {result['longest']:.0f} |"
              for lengths, visits in opened for visit, result in visits.items()]
    lines += [f"| floor: NiceGUI's bare page, one label | {visit} | {result['painted']:.0f} "
              f"| {result['interactive']:.0f} | {result['long_tasks']} | {result['longest']:.0f} |"
              for visit, result in floor_opened.items()]
    if open_costs:
        lines += ["", "| opening a page, 4 times | main thread busy (ms, mean) | its largest scripts (ms) |",
                  "|---|---:|---|"]
        lines += [f"| {name} | {busy:.0f} | " + ", ".join(f"{script} {spent:.0f}" for script, spent in scripts[:8])
                  + " |" for name, (busy, scripts) in open_costs.items()]
    if finishing:
        lines += ["", "| a live run, 500 tokens/s | its diagram drawn after the answer completes (ms) | its first code "
                  "highlighted after it shows (ms) |", "|---|---:|---:|"]
        lines += [f"| run {n} | {diagram:.0f} | {code:.0f} |" for n, (diagram, code) in enumerate(finishing, 1)]
    if wanted("leak"):
        lines += ["", f"| server RSS after 5 runs (MB) | after another {leak_runs} runs (MB) | growth per run (KB) |",
                  "|---:|---:|---:|",
                  f"| {before / 2**20:.0f} | {after / 2**20:.0f} | {(after - before) / 1024 / leak_runs:.0f} |"]
    where = "in a process of its own" if args.model == "apart" else "in the server's process"
    print(f"\nThe demo model streamed {where}.\n\n" + "\n".join(lines))


if __name__ == "__main__":
    main()
