"""Tokens, cached tokens and cost per role of a demo run and of a run with one fix round, as three accountings of
the same requests:

    python bench/usage.py

Each run goes through the whole product (`python main.py` as a subprocess, native orchestrator) to the offline demo
model, through the tests' recording endpoint (tests/support/openai_stub.py), with the demo model priced as
gpt-4o-mini is (US$ 0.15 / 0.60 / 0.075 per million input / output / cached input tokens). The fix round comes from
the demo model's `buggy` fault: the Developer's first code fails a test and is sent back with the failure.

- before: as the code counted before issue 27: no cached tokens, every prompt token at the input rate.
- varying first: the same requests with what changes between an agent's calls (its previous answer and the
  feedback) put before the brief and the earlier artifacts, counted by the demo model's cache (core.demo.cache).
- after: the cached tokens the demo model reported for the requests as sent (core.llm: the system prompt, the brief
  and the earlier artifacts first; the previous answer, then the feedback last), at the cached rate.
"""

import json
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from core.demo.cache import PromptCache  # noqa: E402
from core.llm.prices import Price  # noqa: E402
from tests.support.openai_stub import Request, openai_endpoint  # noqa: E402
from tests.support.server import ONE_TOKEN_A_CHUNK, start_server  # noqa: E402

BRIEF = "A small web app where a team of volunteers tracks which park benches need repair, with photos."
RATES = [0.15, 0.60, 0.075]
PRICE = Price.of(RATES)
AGENTS = ("analyst", "architect", "developer", "tester", "deployer")


def varying_first(request: Request) -> str:
    """The request's prompt as the demo model reads it, with the previous answer and the feedback moved first."""
    system, user = request.messages[0]["content"], request.messages[1]["content"]
    start = user.find("<previous_answer>")
    if start < 0:
        start = user.find("<feedback>")
    if start >= 0:
        user = f"{user[start:]}\n\n{user[:start]}"
    return system + user


def one_run(data: Path, faults: str) -> tuple[list[Request], list[dict]]:
    """Run BRIEF to its end on a fresh server (a fresh prompt cache); the requests and the Usage payloads."""
    with start_server(data / "demo", {"BOTARMY_DEMO_TOKEN_DELAY_MS": "0", "BOTARMY_DEMO_FAULTS": faults,
                                            **ONE_TOKEN_A_CHUNK}) as demo, \
            openai_endpoint(f"{demo.url}/demo/v1") as endpoint:
        env = {"OPENAI_API_KEY": "sk-bench", "OPENAI_BASE_URL": endpoint.url, "BOTARMY_MODEL": "botarmy-demo",
               "BOTARMY_PRICES": json.dumps({"botarmy-demo": RATES})}
        with start_server(data / "app", env) as server, server.api() as api:
            run_id = api.post("/api/runs", json={"brief": BRIEF}).json()["run_id"]
            while api.get(f"/api/runs/{run_id}").json()["status"] == "running":
                time.sleep(0.3)
            usages = [e["value"] for e in server.events(run_id) if e["type"] == "CUSTOM" and e["name"] == "usage"]
            return list(endpoint.requests), usages


def table(title: str, requests: list[Request], usages: list[dict]) -> None:
    cache = PromptCache()
    simulated = [cache.read(varying_first(request)) for request in requests]
    rows = {agent: [0] * 8 for agent in AGENTS}
    for agent in AGENTS:
        mine = [i for i, request in enumerate(requests) if request.agent == agent]
        calls = [usage for usage in usages if usage["agent"] == agent]
        assert len(mine) == len(calls), "one usage per request: no call failed"
        for i, usage in zip(mine, calls, strict=True):
            prompt, completion, cached = usage["prompt_tokens"], usage["completion_tokens"], usage["cached_tokens"]
            row = rows[agent]
            row[0] += 1
            row[1] += prompt
            row[2] += completion
            row[3] += min(simulated[i], prompt)
            row[4] += cached
            row[5] += PRICE.cost(prompt, completion)
            row[6] += PRICE.cost(prompt, completion, simulated[i])
            row[7] += usage["cost_usd"]
    print(f"\n{title}\n")
    print("| role | calls | prompt tokens | output tokens | cached (varying first) | cached (after) "
          "| cost before | cost varying first | cost after |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|")
    total = [0] * 8
    for agent, row in rows.items():
        total = [a + b for a, b in zip(total, row, strict=True)]
        print(_row(agent, row))
    print(_row("**total**", total))


def _row(name: str, row: list) -> str:
    calls, prompt, output, cached_first, cached_after, before, first, after = row
    return (f"| {name} | {calls} | {prompt:,} | {output:,} | {cached_first:,} | {cached_after:,} | ${before:.5f} "
            f"| ${first:.5f} | ${after:.5f} |")


def main() -> None:
    with tempfile.TemporaryDirectory() as folder:
        for title, faults in (("A demo run", ""), ("A run with one fix round", "buggy=1")):
            table(title, *one_run(Path(folder) / faults.replace("=", ""), faults))


if __name__ == "__main__":
    main()
