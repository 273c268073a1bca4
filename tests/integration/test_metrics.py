"""GET /metrics of a real server while a real run streams to a real SSE viewer, and under injected faults."""

import time

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from tests.support.server import start_server

BRIEF = "A plant watering planner for a balcony."
# The demo model is free; a price makes its cost counter move.
PRICED = {"BOTARMY_PRICES": '{"botarmy-demo": [1.0, 2.0]}'}

Samples = dict[tuple[str, frozenset], float]


def scrape(server) -> Samples:
    response = httpx.get(f"{server.url}/metrics", timeout=10)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    return {(sample.name, frozenset(sample.labels.items())): sample.value
            for family in text_string_to_metric_families(response.text) for sample in family.samples}


def value(samples: Samples, name: str, **labels: str) -> float:
    return samples.get((name, frozenset(labels.items())), 0.0)


def grew(before: Samples, after: Samples, name: str, **labels: str) -> float:
    return value(after, name, **labels) - value(before, name, **labels)


def watch_to_the_end(server, run_id: str, on_first_token) -> None:
    """Follow the run's SSE stream (a viewer reading through the bus) until it ends."""
    seen_token = False
    with server.api().stream("GET", f"/api/runs/{run_id}/events") as stream:
        for line in stream.iter_lines():
            if '"type":"TEXT_MESSAGE_CONTENT"' in line and not seen_token:
                seen_token = True
                on_first_token()
            if '"type":"RUN_FINISHED"' in line or '"type":"RUN_ERROR"' in line:
                return


def scrape_when_idle(server, timeout: float = 30) -> Samples:
    deadline = time.monotonic() + timeout
    while value(samples := scrape(server), "botarmy_active_runs") > 0:
        assert time.monotonic() < deadline, "the run's task did not end"
        time.sleep(0.05)
    return samples


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    with start_server(tmp_path_factory.mktemp("metrics"), {"BOTARMY_DEMO_TOKEN_DELAY_MS": "3", **PRICED}) as server:
        yield server


def test_a_watched_run_moves_every_counter_and_the_run_gauges_rise_and_fall(server):
    before = scrape(server)
    run_id = server.api().post("/api/runs", json={"brief": BRIEF}).json()["run_id"]
    during: list[Samples] = []
    watch_to_the_end(server, run_id, lambda: during.append(scrape(server)))
    after = scrape_when_idle(server)

    assert value(during[0], "botarmy_active_runs") >= 1
    assert value(after, "botarmy_active_runs") == 0
    assert value(after, "botarmy_queued_runs") == 0
    assert value(after, "botarmy_connected_clients") == 0  # an SSE stream is not a browser tab
    assert grew(before, after, "botarmy_events_appended_total") == len(server.events(run_id))
    assert grew(before, after, "botarmy_llm_requests_total") == 5  # one per agent, nothing failed
    assert grew(before, after, "botarmy_llm_tokens_total", type="prompt") > 0
    assert grew(before, after, "botarmy_llm_tokens_total", type="completion") > 0
    assert grew(before, after, "botarmy_llm_cost_usd_total") > 0
    assert grew(before, after, "botarmy_sqlite_write_seconds_count", operation="append") > 0
    assert grew(before, after, "botarmy_events_delivered_total", source="live") > 0
    assert grew(before, after, "botarmy_event_delivery_latency_seconds_count") > 0
    assert not any(name == "botarmy_llm_errors_total" for name, _ in after)


def test_faults_show_as_errors_by_class_retries_and_rate_limit_waits(tmp_path):
    # The 1st request is rate-limited (Retry-After 0.2 s), the 2nd a server error, the 7th (deployer) a bad key.
    with start_server(tmp_path, {"BOTARMY_DEMO_FAULTS": "script:429@0.2,500,ok,ok,ok,ok,401",
                                 "BOTARMY_DEMO_TOKEN_DELAY_MS": "0",
                                 "BOTARMY_LLM_BACKOFF_INITIAL_S": "0.05"}) as server:
        server.api().post("/api/runs", json={"brief": BRIEF}).raise_for_status()
        after = scrape_when_idle(server)

    assert value(after, "botarmy_llm_requests_total") == 7
    assert value(after, "botarmy_llm_errors_total", error_class="rate_limited") == 1
    assert value(after, "botarmy_llm_errors_total", error_class="service_error") == 1
    assert value(after, "botarmy_llm_errors_total", error_class="configuration") == 1
    assert value(after, "botarmy_llm_retries_total", error_class="rate_limited") == 1
    assert value(after, "botarmy_llm_retries_total", error_class="service_error") == 1
    assert value(after, "botarmy_llm_retries_total", error_class="configuration") == 0  # final: never retried
    assert value(after, "botarmy_llm_rate_limit_waits_total", source="service") == 1
    assert value(after, "botarmy_llm_rate_limit_wait_seconds_total", source="service") == pytest.approx(0.2)
    assert value(after, "botarmy_llm_rate_limit_waits_total", source="client") == 0
