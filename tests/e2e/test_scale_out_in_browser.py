"""A scaled deployment in a real browser: two web instances and two workers on PostgreSQL and Redis, all real
processes. A tab on web instance A watches a run that a worker executes; the worker is killed mid-stream, web
instance A is killed, Redis restarts: each time the run completes and the page shows exactly the stored artifacts."""

import time

import pytest
from playwright.sync_api import expect

from tests.support.browser import (
    assert_never_ahead_of_the_log,
    fingerprints,
    shown_fingerprints,
    start_run,
)
from tests.support.cluster import cluster
from tests.support.demo_model import add_model
from tests.support.proxy import failover_proxy
from tests.support.shared_servers import user_of

pytestmark = pytest.mark.scale

AGENTS = ["analyst", "architect", "developer", "tester", "deployer"]


@pytest.fixture(scope="module")
def model(tmp_path_factory, demo_models):
    """The deployment's AI service, a demo model at 4 ms a token; a test can change its fault plan (replan)."""
    made = add_model(demo_models, tmp_path_factory.mktemp("cluster-model"), "", 4)
    yield made
    made.stop()


@pytest.fixture(scope="module")
def running_deployment(tmp_path_factory, postgres, redis_service, model):
    # The app waits for a held answer longer than a test lasts.
    with cluster(tmp_path_factory.mktemp("cluster"), postgres, redis_service,
                 env={**model.app_env, "BOTARMY_LLM_STALL_TIMEOUT_S": "900"}) as made:
        yield made


@pytest.fixture
def deployment(running_deployment, redis_service, request):
    """The module's deployment, whole again after whatever the test before killed or stopped, and the test's own
    logs: four processes started once, not four per test."""
    if redis_service.process.poll() is not None:
        redis_service.start()
    running_deployment.revive()
    return running_deployment.lease(user_of(request.node.nodeid))


def run_id_of(page) -> str:
    return page.url.rsplit("/", 1)[-1]


def expect_completed_exactly(page, deployment) -> None:
    expect(page.get_by_test_id("run-status")).to_have_attribute("data-status", "completed", timeout=120_000)
    expect(page.locator("[data-testid=message][data-complete=true]")).to_have_count(5)
    run_id = run_id_of(page)
    assert shown_fingerprints(page) == fingerprints(deployment.web.artifacts(run_id))
    assert [m.get_attribute("data-agent") for m in page.get_by_test_id("message").all()] == AGENTS
    assert deployment.web.sequence(run_id) == list(range(1, len(deployment.web.events(run_id)) + 1))


@pytest.fixture
def architect_held(model):
    """The Architect's first answer stalls a third of the way in, however fast the machine: the worker is killed
    mid-stream. Its next request, the other worker's, gets a whole answer."""
    model.replan("script:ok,stall")
    yield
    model.replan("")


def test_a_worker_killed_mid_stream_the_other_carries_the_run_on_and_the_page_matches_the_log(deployment, pages,
                                                                                              architect_held):
    page = pages(deployment.web.url)
    start_run(page, "A rota for a cycling club's Sunday rides.", until_working="architect", log=deployment.web)
    run_id = run_id_of(page)
    victim = deployment.holder(run_id)
    survivor = next(worker for worker in deployment.workers if worker is not victim)
    assert_never_ahead_of_the_log(page, deployment.web, run_id, samples=3)
    victim.kill()
    killed = time.monotonic()
    deadline = killed + 60
    while "taken over" not in survivor.log() and time.monotonic() < deadline:
        time.sleep(0.1)
    print(f"kill -9 of the worker → the other worker holds the run: {time.monotonic() - killed:.1f} s")
    assert f"holds run {run_id}" in survivor.log() and "taken over" in survivor.log()
    expect_completed_exactly(page, deployment)
    events = deployment.web.events(run_id)
    voided = [e for e in events if e["type"] == "CUSTOM" and e["name"] == "message_discarded"]
    assert voided, "the half-written answer of the killed worker was voided"
    assert sum(e["type"] == "RUN_STARTED" for e in events) == 2, "one segment per worker, nothing started twice"


def test_web_instance_a_killed_the_tab_goes_to_b_and_catches_up_with_nothing_lost_or_repeated(deployment, pages):
    a, b = deployment.webs
    with failover_proxy([a.port, b.port]) as port:
        page = pages(f"http://127.0.0.1:{port}")
        start_run(page, "A seed-swap catalogue for a village library.", until_working="architect", log=deployment.web)
        a.kill()
        expect(page.get_by_test_id("connection-status")).to_have_attribute("data-state", "connected",
                                                                           timeout=30_000)
        expect_completed_exactly(page, deployment)
        assert "/runs/" in page.url and b.process.poll() is None


def test_redis_restarted_mid_run_loses_nothing(deployment, pages, redis_service):
    page = pages(deployment.web.url)
    start_run(page, "A lending shelf for board games at a pub.", until_working="architect", log=deployment.web)
    redis_service.stop()
    assert deployment.web.health()["dependencies"]["redis"] is False
    time.sleep(2)
    redis_service.start()
    expect_completed_exactly(page, deployment)
    deadline = time.monotonic() + 30  # its Redis client may still be reconnecting when a loaded machine ends the run
    while deployment.web.health()["status"] != "ok" and time.monotonic() < deadline:
        time.sleep(0.2)
    assert deployment.web.health()["status"] == "ok"
