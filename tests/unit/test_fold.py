import pytest
from ag_ui.core import Interrupt, RunFinishedCancelledOutcome, RunFinishedInterruptOutcome

from core.domain.custom import (
    PAYLOADS,
    AgentTask,
    AgentWaiting,
    ApprovalDecided,
    ArtifactSaved,
    CustomKind,
    MessageDiscarded,
    PauseRequested,
    RunConfigured,
    RunQueued,
    Usage,
    custom,
    payload_of,
)
from core.domain.events import (
    CustomEvent,
    RunErrorEvent,
    RunFinishedEvent,
    RunStartedEvent,
    StoredEvent,
    SubagentErrorEvent,
    SubagentFinishedEvent,
    SubagentStartedEvent,
    TextMessageContentEvent,
    TextMessageEndEvent,
    TextMessageStartEvent,
    parse_event,
)
from core.domain.status import Decision, ErrorCode, WaitKind
from core.domain.fold import SummaryChange, apply, fold, summary_change

AGENTS = [{"name": "analyst", "title": "Analyst"}, {"name": "architect", "title": "Architect"}]


def stored(events):
    return [StoredEvent(run_id="r", seq=i, event=e) for i, e in enumerate(events, 1)]


def started():
    return RunStartedEvent(thread_id="r", run_id="r", timestamp=1000,
                           metadata={"brief": "A todo app", "agents": AGENTS, "model": "m", "offline_demo": True})


def analyst_answer(text_parts):
    return [
        SubagentStartedEvent(subagent_run_id="s1", name="analyst", timestamp=2000,
                             metadata={"title": "Analyst", "expected_chars": 100}),
        custom(AgentTask(agent="analyst", task="Writing requirements")),
        TextMessageStartEvent(message_id="m1", role="assistant", subagent_run_id="s1"),
        *[TextMessageContentEvent(message_id="m1", delta=p, subagent_run_id="s1") for p in text_parts],
    ]


def test_a_run_folds_into_statuses_transcript_and_artifacts():
    events = stored([
        started(), *analyst_answer(["# Req", "uirements"]),
        TextMessageEndEvent(message_id="m1", subagent_run_id="s1"),
        custom(Usage(agent="analyst", prompt_tokens=7, completion_tokens=2, estimated=False)),
        custom(ArtifactSaved(agent="analyst", title="Requirements", filename="requirements.md",
                             content="# Requirements")),
        SubagentFinishedEvent(subagent_run_id="s1", timestamp=5000),
    ])
    view = fold("r", events)
    assert view.status == "running" and view.brief == "A todo app" and view.offline_demo
    analyst, architect = view.agents["analyst"], view.agents["architect"]
    assert (analyst.status, analyst.progress, analyst.tokens, analyst.elapsed_ms(0)) == ("done", 1.0, 9, 3000)
    assert architect.status == "queued"
    assert [(m.agent, m.text, m.complete) for m in view.messages] == [("analyst", "# Requirements", True)]
    assert view.artifacts["analyst"].filename == "requirements.md"
    assert view.last_seq == len(events)


def test_streaming_agent_shows_task_progress_and_typing():
    view = fold("r", stored([started(), *analyst_answer(["x" * 50])]))
    analyst = view.agents["analyst"]
    assert analyst.status == "working" and analyst.streaming and analyst.task == "Writing requirements"
    assert 0.4 < analyst.progress < 0.6
    assert (analyst.streamed_tokens, analyst.tokens, view.live_tokens) == (1, 1, 1)


def test_the_runs_figures_are_the_sum_of_its_agents_after_every_event():
    """The header shows the run's figures, each card its agent's: they agree while text streams, after a broken
    answer, and when an agent redoes its work."""
    usage = {"prompt_tokens": 30, "completion_tokens": 3, "cost_usd": 0.25}
    events = stored([
        started(), *analyst_answer(["a", "b", "c"]),
        custom(MessageDiscarded(agent="analyst", message_id="m1", reason="cut")),
        TextMessageStartEvent(message_id="m2", role="assistant", subagent_run_id="s1"),
        *[TextMessageContentEvent(message_id="m2", delta=d, subagent_run_id="s1") for d in "xyz"],
        TextMessageEndEvent(message_id="m2", subagent_run_id="s1"),
        custom(Usage(agent="analyst", **usage)),
        custom(ArtifactSaved(agent="analyst", title="R", filename="r.md", content="xyz")),
        SubagentFinishedEvent(subagent_run_id="s1"),
        RunFinishedEvent(thread_id="r", run_id="r", outcome=RunFinishedInterruptOutcome(interrupts=[
            Interrupt(id="approval:analyst:1", reason="approval", metadata={"agent": "analyst"})])),
        custom(ApprovalDecided(interrupt_id="approval:analyst:1", agent="analyst",
                               decision=Decision.REQUEST_CHANGES, feedback="More")),
        started(),
        SubagentStartedEvent(subagent_run_id="s2", name="analyst", metadata={"title": "Analyst"}),
        TextMessageStartEvent(message_id="m3", role="assistant", subagent_run_id="s2"),
        TextMessageContentEvent(message_id="m3", delta="new", subagent_run_id="s2"),
    ])
    view = fold("r", [])
    for item in events:
        apply(view, item)
        assert view.live_tokens == sum(agent.tokens for agent in view.agents.values())
        assert view.cost_usd == pytest.approx(sum(agent.cost_usd for agent in view.agents.values()))
    analyst = view.agents["analyst"]
    assert (analyst.tokens, analyst.cost_usd, view.live_tokens, view.tokens) == (34, 0.25, 34, 33)


def test_replaying_already_folded_events_changes_nothing():
    events = stored([started(), *analyst_answer(["a", "b"])])
    view = fold("r", events)
    for item in events:
        apply(view, item)
    assert view.messages[0].text == "ab"


def test_incremental_apply_equals_fold_of_the_whole_log():
    events = stored([started(), *analyst_answer(["a", "b", "c"])])
    live = fold("r", [])
    for item in events:
        apply(live, item)
    assert live == fold("r", events)


def test_failure_marks_the_agent_failed_and_the_rest_skipped():
    view = fold("r", stored([
        started(), *analyst_answer(["partial"]),
        SubagentErrorEvent(subagent_run_id="s1", message="Connection lost."),
        RunErrorEvent(message="Analyst could not finish.", code="agent_failed"),
    ]))
    assert view.status == "failed" and view.error == "Analyst could not finish."
    assert view.agents["analyst"].status == "failed" and view.agents["analyst"].error == "Connection lost."
    assert view.agents["architect"].status == "skipped"


def test_interrupted_and_cancelled_runs():
    interrupted = fold("r", stored([started(), *analyst_answer(["x"]),
                                    RunErrorEvent(message="stopped", code=ErrorCode.INTERRUPTED)]))
    assert interrupted.status == "interrupted" and interrupted.agents["analyst"].status == "failed"
    cancelled = fold("r", stored([started(), RunFinishedEvent(thread_id="r", run_id="r",
                                                              outcome=RunFinishedCancelledOutcome())]))
    assert cancelled.status == "cancelled" and cancelled.agents["analyst"].status == "cancelled"


def test_summary_change_for_the_run_list():
    assert summary_change([started()]).status == "running"
    assert summary_change([RunFinishedEvent(thread_id="r", run_id="r")]).status == "completed"
    assert summary_change([RunErrorEvent(message="x", code=ErrorCode.INTERRUPTED)]).status == "interrupted"
    assert summary_change([custom(AgentTask(agent="analyst", task="Reading"))]) == SummaryChange()
    usage = {"agent": "analyst", "prompt_tokens": 10, "completion_tokens": 5, "cost_usd": 0.5}
    assert summary_change([custom(Usage(**usage)), custom(Usage(**usage))]) == SummaryChange(None, 30, 1.0)


def test_every_custom_kind_has_a_payload_model_and_round_trips_through_the_log_format():
    samples = [AgentTask(agent="analyst", task="t"), ArtifactSaved(agent="a", title="T", filename="f", content="c"),
               Usage(agent="a", prompt_tokens=1, completion_tokens=2), RunQueued(position=2), PauseRequested(),
               AgentWaiting(agent="a", kind=WaitKind.PACING, until_ms=5, attempt=1), RunConfigured(brief="b"),
               MessageDiscarded(agent="a", message_id="m", reason="cut"),
               ApprovalDecided(interrupt_id="i", agent="a", decision=Decision.EDIT, content="x")]
    assert {payload.KIND for payload in samples} == set(CustomKind) == set(PAYLOADS)
    for payload in samples:
        event = parse_event(custom(payload).model_dump_json(by_alias=True))
        assert payload_of(event) == payload


def test_a_payload_from_an_older_log_without_later_fields_still_folds():
    old_usage = CustomEvent(name="usage", value={"agent": "analyst", "prompt_tokens": 3, "completion_tokens": 4,
                                                 "estimated": False})
    assert fold("r", stored([old_usage])).tokens == 7
