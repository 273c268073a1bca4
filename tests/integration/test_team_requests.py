"""What reaches the AI service, recorded by an OpenAI-compatible endpoint of the tests' own in front of the demo
model: each role's configured model, the system prompt the user edited, and requests ordered for the prompt cache:
a retry sends the same bytes again, and a fix round's request begins with everything the first request sent before
its closing line, which the demo model then reports as cached tokens, priced at the cached rate."""

import time

import pytest

from agents.roles import ROLE_BY_NAME, system_prompt
from tests.support.openai_stub import openai_endpoint
from tests.support.server import start_server

MODELS = {"analyst": "house-model", "architect": "house-model", "developer": "gpt-4o", "tester": "gpt-4o-mini",
          "deployer": "house-model"}
EDITED = "You are the Architect. Answer with ## Components and ## Interfaces headings, and nothing chatty."
BRIEF = "A recipe scaler for home cooks: scale ingredient amounts to a number of servings."


def first_of_developer_fails(request, earlier) -> bool:
    """The Developer's first request fails after the service read it, as a provider that broke mid-way does."""
    return request.agent == "developer" and not any(e.agent == "developer" for e in earlier)


@pytest.fixture(scope="module")
def recorded(fault_server_module, tmp_path_factory):
    demo = fault_server_module("buggy=1")  # the Developer's first code fails a test: one fix round
    with openai_endpoint(f"{demo.url}/demo/v1", fail=first_of_developer_fails) as endpoint:
        env = {"OPENAI_API_KEY": "sk-test", "OPENAI_BASE_URL": endpoint.url, "BOTARMY_MODEL": "house-model",
               "BOTARMY_MODELS": "developer=gpt-4o,tester=gpt-4o-mini", "BOTARMY_LLM_BACKOFF_INITIAL_S": "0.05",
               "BOTARMY_LLM_BACKOFF_MAX_S": "0.1"}
        with start_server(tmp_path_factory.mktemp("recorded"), env) as server, server.api() as api:
            run_id = api.post("/api/runs", json={"brief": BRIEF, "prompts": {"architect": EDITED}}).json()["run_id"]
            deadline = time.monotonic() + 240
            while (detail := api.get(f"/api/runs/{run_id}").json())["status"] == "running":
                assert time.monotonic() < deadline, "the run did not end"
                time.sleep(0.3)
            yield endpoint, server, run_id, detail


@pytest.fixture(scope="module")
def fault_server_module(tmp_path_factory):
    servers = []

    def start(faults: str):
        server = start_server(tmp_path_factory.mktemp("faults"),
                              {"BOTARMY_DEMO_FAULTS": faults, "BOTARMY_DEMO_TOKEN_DELAY_MS": "0"})
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.stop()


def usages(server, run_id: str, agent: str) -> list[dict]:
    return [e["value"] for e in server.events(run_id)
            if e["type"] == "CUSTOM" and e["name"] == "usage" and e["value"]["agent"] == agent]


def test_each_request_carries_its_roles_model_and_the_edited_prompt(recorded):
    endpoint, server, run_id, detail = recorded
    assert detail["status"] == "completed" and detail["outcome"] == "passed"
    assert {request.agent for request in endpoint.requests} == set(MODELS)
    for request in endpoint.requests:
        assert request.model == MODELS[request.agent], request.agent
    assert {request.system for request in endpoint.of("architect")} == {EDITED}
    developer = ROLE_BY_NAME["developer"]
    assert {request.system for request in endpoint.of("developer")} == {system_prompt(developer)}
    # The log records what each step was told, and the view shows it per agent.
    started = {e["name"]: e["metadata"] for e in server.events(run_id) if e["type"] == "SUBAGENT_STARTED"}
    assert (started["architect"]["system_prompt"], started["architect"]["model"]) == (EDITED, "house-model")
    assert detail["models"] == MODELS and detail["prompts"] == {"architect": EDITED}
    assert detail["agents"]["developer"]["model"] == "gpt-4o"


def test_a_retry_and_a_fix_round_share_the_first_requests_prefix_byte_for_byte(recorded):
    endpoint, server, run_id, detail = recorded
    first, retry, fix = endpoint.of("developer")
    assert retry.body["messages"] == first.body["messages"]  # the failed call again, the same bytes
    closing = "Write the code now."
    assert first.prompt.endswith(closing)
    assert fix.prompt.startswith(first.prompt.removesuffix(closing))  # only what changed comes after
    assert "<feedback>" in fix.prompt and "<feedback>" not in first.prompt

    # The demo model read those prefixes from its cache, and the run priced them at gpt-4o's cached rate.
    calls = usages(server, run_id, "developer")
    assert [call["model"] for call in calls] == ["gpt-4o", "gpt-4o"]
    for call in calls:
        assert call["cached_tokens"] >= 1024
        full = (call["prompt_tokens"] * 2.50 + call["completion_tokens"] * 10.00) / 1e6
        cached = ((call["prompt_tokens"] - call["cached_tokens"]) * 2.50 + call["cached_tokens"] * 1.25
                  + call["completion_tokens"] * 10.00) / 1e6
        assert call["cost_usd"] == pytest.approx(cached) and call["cost_usd"] < full
    agent = detail["agents"]["developer"]
    assert agent["cached_tokens"] == sum(call["cached_tokens"] for call in calls)
    with server.api() as api:
        usage = api.get(f"/api/runs/{run_id}/usage").json()
    assert usage["roles"]["developer"]["cached_tokens"] == agent["cached_tokens"]
    assert usage["models"]["gpt-4o"]["calls"] == 2
    assert usage["total"]["cost_usd"] == pytest.approx(detail["cost_usd"])
