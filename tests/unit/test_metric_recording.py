"""The store and the bus record into the Metrics object they are given: a real SQLite file, a real subscription."""

import pytest

from core.eventlog.bus import Bus
from core.domain.custom import Usage, custom
from core.domain.events import TextMessageContentEvent
from core.obs.metrics import Metrics
from core.storage.backends import sqlite_storage


def content(i: int) -> TextMessageContentEvent:
    return TextMessageContentEvent(message_id="m", delta=str(i))


@pytest.fixture
async def metered(tmp_path):
    metrics = Metrics()
    store = sqlite_storage(tmp_path / "botarmy.sqlite3", metrics.write)
    yield metrics, store, Bus(store.log, observer=metrics)
    await store.close()


def sample(metrics: Metrics, name: str, **labels: str) -> float:
    return metrics.registry.get_sample_value(name, labels) or 0.0


async def test_replayed_events_are_counted_as_delivered_and_only_live_ones_are_timed(metered):
    metrics, _, bus = metered
    for i in range(3):
        await bus.emit("r", content(i))
    subscription = bus.subscribe("r")
    assert [(await anext(subscription)).seq for _ in range(3)] == [1, 2, 3]
    for i in range(3, 5):  # the subscription is registered and waits at its last replayed event: these are live
        await bus.emit("r", content(i))
    assert [(await anext(subscription)).seq for _ in range(2)] == [4, 5]
    await subscription.aclose()

    assert sample(metrics, "botarmy_events_delivered_total", source="store") == 3
    assert sample(metrics, "botarmy_events_delivered_total", source="live") == 2
    assert sample(metrics, "botarmy_event_delivery_latency_seconds_count") == 2
    assert 0 < sample(metrics, "botarmy_event_delivery_latency_seconds_sum") < 5


async def test_appends_usage_and_write_time_are_recorded_once_per_event(metered):
    metrics, _, bus = metered
    usage = custom(Usage(agent="analyst", prompt_tokens=100, completion_tokens=40, estimated=False, cost_usd=0.25))
    await bus.emit("r", usage, content(1))
    await bus.emit("r", content(2))

    assert sample(metrics, "botarmy_events_appended_total") == 3
    assert sample(metrics, "botarmy_llm_tokens_total", type="prompt") == 100
    assert sample(metrics, "botarmy_llm_tokens_total", type="completion") == 40
    assert sample(metrics, "botarmy_llm_cost_usd_total") == 0.25
    assert sample(metrics, "botarmy_sqlite_write_seconds_count", operation="append") == 2  # one transaction each
    assert sample(metrics, "botarmy_sqlite_write_seconds_sum", operation="append") > 0


async def test_a_delete_is_timed_as_its_own_operation(metered):
    metrics, store, bus = metered
    await store.catalogue.create_run("r", "brief", "b-me")
    await bus.emit("r", content(1))
    assert await store.catalogue.delete_run("r")
    assert sample(metrics, "botarmy_sqlite_write_seconds_count", operation="delete") == 1
