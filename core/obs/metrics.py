"""Prometheus metrics of one app instance, in a registry of its own (served by core.web.metrics_route).

The parts that record are handed this object: the LLM client calls it, the store and the bus report through it as
their observer. Gauges are read at scrape time from the objects that own the numbers, so there is no bookkeeping
to drift.
"""

from collections.abc import Callable, Sequence

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

from core.domain.custom import Usage, payload_as
from core.domain.events import Event
from core.domain.status import CommandOrigin, CommandStatus, WaitKind

# In-process hand-overs and small SQLite commits take well under a millisecond; a lagging viewer or a slow disk
# takes much longer.
_FAST_BUCKETS = (0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5)

# Which rate limit a visible LLM wait is for, by core.llm.client.Waiting.kind; other waits are retry back-off.
RATE_LIMIT_SOURCES = {WaitKind.RATE_LIMITED: "service", WaitKind.PACING: "client"}
TOKEN_TYPES = ("prompt", "completion")
DELIVERY_SOURCES = ("store", "live")
WRITE_OPERATIONS = ("append", "delete")
# Commands take from a fraction of a second (a small test suite) to the time limit.
_COMMAND_BUCKETS = (0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600)


class Metrics:
    def __init__(self) -> None:
        self.registry = registry = CollectorRegistry()
        self.connected_clients = Gauge(
            "botarmy_connected_clients", "Browser tabs with an open socket.", registry=registry)
        self.active_runs = Gauge(
            "botarmy_active_runs", "Runs with a background task, including those queued for a slot.",
            registry=registry)
        self.queued_runs = Gauge(
            "botarmy_queued_runs", "Runs waiting for a free slot (BOTARMY_MAX_CONCURRENT_RUNS).", registry=registry)
        self.events_appended = Counter(
            "botarmy_events_appended", "Events persisted to the runs' logs.", registry=registry)
        self.events_delivered = Counter(
            "botarmy_events_delivered", "Events handed to viewers' subscriptions (live views, SSE streams), by "
            "source: read from the store (replay, catch-up after lag) or live from the fan-out.", ["source"],
            registry=registry)
        self.delivery_latency = Histogram(
            "botarmy_event_delivery_latency_seconds", "From emit (before the write) to the hand-over to a viewer's "
            "subscription, for events delivered live; replays are not observed.", buckets=_FAST_BUCKETS,
            registry=registry)
        self.llm_requests = Counter(
            "botarmy_llm_requests", "Requests to the LLM endpoint: one per attempt, retries included.",
            registry=registry)
        self.llm_errors = Counter(
            "botarmy_llm_errors", "Failed LLM attempts, retried or final, by error class (core.llm.errors.FailureKind).",
            ["error_class"], registry=registry)
        self.llm_retries = Counter(
            "botarmy_llm_retries", "Failed LLM attempts that are retried, by error class.", ["error_class"],
            registry=registry)
        self.rate_limit_waits = Counter(
            "botarmy_llm_rate_limit_waits", "Waits before an LLM request for a rate limit, by source: the "
            "service's (429) or the client-side limiter's.", ["source"], registry=registry)
        self.rate_limit_wait_seconds = Counter(
            "botarmy_llm_rate_limit_wait_seconds", "Seconds of waits before an LLM request for a rate limit.",
            ["source"], registry=registry)
        self.llm_tokens = Counter(
            "botarmy_llm_tokens", "Tokens of LLM calls, as reported by the service or estimated.", ["type"],
            registry=registry)
        self.llm_cost = Counter(
            "botarmy_llm_cost_usd", "Cost of LLM calls by the price table, in US dollars.", registry=registry)
        self.sqlite_write_seconds = Histogram(
            "botarmy_sqlite_write_seconds", "Duration of SQLite write transactions (BEGIN to COMMIT), by operation.",
            ["operation"], buckets=_FAST_BUCKETS, registry=registry)
        self.commands = Counter(
            "botarmy_commands", "Commands that ended in a run's workspace, by who asked (user, verify) and outcome "
            "(core.domain.status.CommandStatus).", ["origin", "outcome"], registry=registry)
        self.command_seconds = Histogram(
            "botarmy_command_duration_seconds", "From a command's start to its end, by who asked.", ["origin"],
            buckets=_COMMAND_BUCKETS, registry=registry)
        self.commands_running = Gauge(
            "botarmy_commands_running", "Commands running now.", registry=registry)
        self.command_output_bytes = Counter(
            "botarmy_command_output_bytes", "Bytes commands printed, the part runs do not keep included.",
            registry=registry)
        self._show_known_labels()

    def _show_known_labels(self) -> None:
        """Labelled series appear at 0 from the start, so rates over them work before the first event."""
        for kind in TOKEN_TYPES:
            self.llm_tokens.labels(kind)
        for source in DELIVERY_SOURCES:
            self.events_delivered.labels(source)
        for source in RATE_LIMIT_SOURCES.values():
            self.rate_limit_waits.labels(source)
            self.rate_limit_wait_seconds.labels(source)
        for operation in WRITE_OPERATIONS:
            self.sqlite_write_seconds.labels(operation)
        for origin in CommandOrigin:
            self.command_seconds.labels(origin)
            for outcome in CommandStatus:
                if outcome != CommandStatus.RUNNING:
                    self.commands.labels(origin, outcome)

    def watch(self, active_runs: Callable[[], int], queued_runs: Callable[[], int],
              connected_clients: Callable[[], int], running_commands: Callable[[], int] = lambda: 0) -> None:
        self.commands_running.set_function(running_commands)
        self.active_runs.set_function(active_runs)
        self.queued_runs.set_function(queued_runs)
        self.connected_clients.set_function(connected_clients)

    # The event log's observer (core.eventlog.bus.BusObserver, core.storage.sql.database.WriteObserver).

    def appended(self, events: Sequence[Event]) -> None:
        """Every persisted event passes here once, so usage is counted from the USAGE events the log keeps."""
        self.events_appended.inc(len(events))
        for event in events:
            if (usage := payload_as(event, Usage)) is not None:
                self.usage(usage.prompt_tokens, usage.completion_tokens, usage.cost_usd)

    def delivered(self, source: str, latency_s: float | None = None) -> None:
        self.events_delivered.labels(source).inc()
        if latency_s is not None:
            self.delivery_latency.observe(latency_s)

    def write(self, operation: str, seconds: float) -> None:
        self.sqlite_write_seconds.labels(operation).observe(seconds)

    def usage(self, prompt_tokens: int, completion_tokens: int, cost_usd: float) -> None:
        self.llm_tokens.labels("prompt").inc(prompt_tokens)
        self.llm_tokens.labels("completion").inc(completion_tokens)
        self.llm_cost.inc(cost_usd)

    # The command runner's observer (core.engine.execution.interfaces.CommandObserver).

    def command_ended(self, origin: CommandOrigin, status: CommandStatus, seconds: float, output_bytes: int) -> None:
        self.commands.labels(origin, status).inc()
        self.command_output_bytes.inc(output_bytes)
        if status != CommandStatus.REFUSED:
            self.command_seconds.labels(origin).observe(seconds)

    def llm_failure(self, error_class: str, retried: bool) -> None:
        self.llm_errors.labels(error_class).inc()
        if retried:
            self.llm_retries.labels(error_class).inc()

    def llm_wait(self, kind: str, seconds: float) -> None:
        if (source := RATE_LIMIT_SOURCES.get(kind)) is not None:
            self.rate_limit_waits.labels(source).inc()
            self.rate_limit_wait_seconds.labels(source).inc(seconds)

