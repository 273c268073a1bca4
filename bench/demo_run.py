"""Wall time of one full demo run in real Chromium, against the floor of the model's own streaming time, on each
orchestrator, with the server's start-up time.

    python bench/demo_run.py [--pace 20 0] [--orchestrator native controlflow] [--screenshot assets/dashboard.png]

The floor is the five answers streamed straight from the offline demo endpoint with the openai SDK, one after
another, with nothing else: no store, no bus, no UI. The run is the same five answers through the whole product,
measured from the click on Start until the run badge says completed. Start-up is from launching `python main.py`
until /health says the orchestrator is ready (for ControlFlow: imported and its Prefect server answering). The
ControlFlow server runs in its own virtual environment (tests/support/controlflow_env.py, made on first use).
"""

import argparse
import asyncio
import sys
import tempfile
import time
from pathlib import Path

import httpx
from openai import AsyncOpenAI
from playwright.sync_api import sync_playwright

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from agents.roles import ROLES, build_messages  # noqa: E402
from core.llm.client import AGENT_HEADER, DEMO_API_KEY, DEMO_MODEL, DEMO_PATH  # noqa: E402
from tests.support.browser import CHROMIUM, CHROMIUM_FLAGS  # noqa: E402
from tests.support.controlflow_env import controlflow_python  # noqa: E402
from tests.support.server import ONE_TOKEN_A_CHUNK, Server, start_server  # noqa: E402

BRIEF = "A small web app where a team of volunteers tracks which park benches need repair, with photos."


async def model_floor(base_url: str) -> float:
    client = AsyncOpenAI(api_key=DEMO_API_KEY, base_url=base_url, max_retries=0)
    earlier: dict[str, str] = {}
    started = time.perf_counter()
    for role in ROLES:
        stream = await client.chat.completions.create(
            model=DEMO_MODEL, messages=build_messages(role, BRIEF, earlier), stream=True,
            extra_headers={AGENT_HEADER: role.name})
        earlier[role.name] = "".join([c.choices[0].delta.content or "" async for c in stream if c.choices])
    elapsed = time.perf_counter() - started
    await client.close()
    return elapsed


def browser_run(url: str, screenshot: Path | None) -> tuple[float, float]:
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        page.goto(url)
        page.get_by_test_id("brief-input").fill(BRIEF)
        started = time.perf_counter()
        page.get_by_test_id("start-run").click()
        page.get_by_test_id("message").first.wait_for(timeout=60_000)
        first_text = time.perf_counter() - started
        page.wait_for_selector("[data-testid=run-status][data-status=completed]", timeout=600_000)
        total = time.perf_counter() - started
        if screenshot:
            page.wait_for_selector(".mermaid-svg svg")
            page.wait_for_timeout(1000)  # let the last progress bar finish its animation
            page.screenshot(path=str(screenshot))
        browser.close()
    return first_text, total


def started(data_dir: Path, pace: float, orchestrator: str) -> tuple[Server, float]:
    """A server on `orchestrator`, and the seconds from its launch until it was ready to run."""
    python = controlflow_python() if orchestrator == "controlflow" else sys.executable
    launched = time.perf_counter()
    server = start_server(data_dir, {"BOTARMY_DEMO_TOKEN_DELAY_MS": str(pace), "BOTARMY_ORCHESTRATOR": orchestrator,
                                     **ONE_TOKEN_A_CHUNK},
                          python=python, ready_s=300)
    while not httpx.get(f"{server.url}/health", timeout=60).json()["orchestrator_ready"]:
        time.sleep(0.05)
    return server, time.perf_counter() - launched


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--pace", type=float, nargs="+", default=[20, 0], help="BOTARMY_DEMO_TOKEN_DELAY_MS values")
    parser.add_argument("--orchestrator", nargs="+", choices=["native", "controlflow"],
                        default=["native", "controlflow"], help="BOTARMY_ORCHESTRATOR values")
    parser.add_argument("--screenshot", type=Path, help="save the finished dashboard (first run) here")
    args = parser.parse_args()
    rows = []
    for pace in args.pace:
        for orchestrator in args.orchestrator:
            with tempfile.TemporaryDirectory() as data_dir:
                server, startup = started(Path(data_dir), pace, orchestrator)
                with server:
                    floor = asyncio.run(model_floor(f"{server.url}{DEMO_PATH}"))
                    first_text, total = browser_run(server.url, None if rows else args.screenshot)
            rows.append((orchestrator, pace, startup, floor, first_text, total))
    print("| orchestrator | demo pace (ms/token) | start-up (s) | floor: model streaming alone (s) "
          "| first text in DOM (s) | full run in Chromium (s) | overhead over floor (s) |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    for orchestrator, pace, startup, floor, first_text, total in rows:
        print(f"| {orchestrator} | {pace:g} | {startup:.2f} | {floor:.2f} | {first_text:.2f} | {total:.2f} "
              f"| {total - floor:+.2f} |")


if __name__ == "__main__":
    main()
