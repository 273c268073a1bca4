import pytest
from ag_ui.core import Interrupt, RunFinishedCancelledOutcome, RunFinishedInterruptOutcome

from core.domain.custom import (
    PAYLOADS,
    AgentTask,
    AgentWaiting,
    ApprovalDecided,
    ArtifactSaved,
    BudgetDecided,
    CommandEnded,
    CommandInterruptRequested,
    CommandOutput,
    CommandRequested,
    CommandStarted,
    CustomKind,
    DeliverableMissing,
    FixRequested,
    MessageDiscarded,
    PauseRequested,
    RepairRequested,
    RunConfigured,
    RunQueued,
    Usage,
    VerifyFinished,
    VerifyStarted,
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
from core.domain.revision_events import RevisionKind
from core.domain.status import (
    CommandEnd,
    CommandStatus,
    Decision,
    ErrorCode,
    InterruptReason,
    RunStatus,
    VerifyStatus,
    WaitKind,
)
from core.domain.fold import SummaryChange, apply, fold, summary_change
from core.domain.view import RunView
from tests.support.events import stored

AGENTS = [{"name": "analyst", "title": "Analyst"}, {"name": "architect", "title": "Architect"}]


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


def test_the_run_list_follows_the_views_status_event_by_event():
    def interrupt(reason: InterruptReason, interrupt_id: str, **metadata) -> RunFinishedEvent:
        return RunFinishedEvent(thread_id="r", run_id="r", outcome=RunFinishedInterruptOutcome(interrupts=[
            Interrupt(id=interrupt_id, reason=reason, metadata=metadata or None)]))

    events = [started(), *analyst_answer(["# Requirements"]),
              interrupt(InterruptReason.APPROVAL, "approval:analyst:1", agent="analyst"),
              custom(ApprovalDecided(interrupt_id="approval:analyst:1", agent="analyst", decision=Decision.APPROVE)),
              started(), interrupt(InterruptReason.PAUSE, "pause:2"), started(),
              RunErrorEvent(message="x", code=ErrorCode.AGENT_FAILED), started(),
              RunErrorEvent(message="x", code=ErrorCode.INTERRUPTED), started(),
              RunFinishedEvent(thread_id="r", run_id="r", outcome=RunFinishedCancelledOutcome()), started(),
              RunFinishedEvent(thread_id="r", run_id="r")]
    view, seen = RunView(run_id="r"), []
    for item in stored(events):
        before = view.status
        apply(view, item)
        change = summary_change([item.event])
        assert change.status in (None, view.status) and (change.status is not None or view.status == before)
        assert isinstance(change.status, RunStatus | None)
        seen.append(view.status)
    assert set(seen) == {RunStatus.RUNNING, RunStatus.WAITING_APPROVAL, RunStatus.PAUSED, RunStatus.FAILED,
                         RunStatus.INTERRUPTED, RunStatus.CANCELLED, RunStatus.COMPLETED}
    assert summary_change(events).status == RunStatus.COMPLETED, "a batch's status is its last"


def test_every_custom_kind_has_a_payload_model_and_round_trips_through_the_log_format():
    samples = [AgentTask(agent="analyst", task="t"), ArtifactSaved(agent="a", title="T", filename="f", content="c"),
               Usage(agent="a", prompt_tokens=1, completion_tokens=2), RunQueued(position=2), PauseRequested(),
               AgentWaiting(agent="a", kind=WaitKind.PACING, until_ms=5, attempt=1), RunConfigured(brief="b"),
               MessageDiscarded(agent="a", message_id="m", reason="cut"),
               ApprovalDecided(interrupt_id="i", agent="a", decision=Decision.EDIT, content="x"),
               CommandRequested(command_id="c", command="pytest -q"), CommandStarted(command_id="c"),
               CommandOutput(command_id="c", text="\x1b[32m.\x1b[0m\r\n", cut=True),
               CommandInterruptRequested(command_id="c"),
               CommandEnded(command_id="c", status=CommandStatus.INTERRUPTED, ending=CommandEnd.INTERRUPTED,
                            exit_code=130, message="Interrupted by you after 1.0 s."),
               VerifyStarted(round=1), VerifyFinished(status=VerifyStatus.FAILED, summary="1 of 2 tests failed."),
               FixRequested(agent="developer", round=1, feedback="The tests failed."),
               RepairRequested(agent="developer", round=1, missing=["No code."], instructions="Send code."),
               DeliverableMissing(agent="tester", missing=["No tests."]),
               BudgetDecided(interrupt_id="budget:1:developer:work", proceed=True, soft_budget_usd=3.0)]
    assert {payload.KIND for payload in samples} == set(CustomKind) == set(PAYLOADS) - set(RevisionKind)
    for payload in samples:
        event = parse_event(custom(payload).model_dump_json(by_alias=True))
        assert payload_of(event) == payload


def test_a_payload_from_an_older_log_without_later_fields_still_folds():
    old_usage = CustomEvent(name="usage", value={"agent": "analyst", "prompt_tokens": 3, "completion_tokens": 4,
                                                 "estimated": False})
    assert fold("r", stored([old_usage])).tokens == 7


def test_streamed_text_is_kept_as_pieces_and_handed_out_since_an_offset():
    view = fold("r", stored([started(), *analyst_answer(["# Req", "uire", "ments", "\n\nMore"])]))
    message = view.messages[0]
    assert message.length == len("# Requirements\n\nMore")
    assert [message.since(n) for n in (0, 5, 7, 14, 20)] == ["# Requirements\n\nMore", "uirements\n\nMore",
                                                             "rements\n\nMore", "\n\nMore", ""]
    assert message.text == "# Requirements\n\nMore"
    message.add(" text")
    assert message.since(20) == " text" and message.text == "# Requirements\n\nMore text"


def test_the_last_change_is_the_last_event_beyond_streamed_text():
    """A page redraws its parts that show no streamed text only when this number moves (ui/run_panel.py)."""
    events = stored([started(), *analyst_answer(["# Req", "uire", "ments"])])
    view = fold("r", events)
    assert view.last_change_seq == len(events) - 3  # the message's start: three tokens since
    apply(view, stored([TextMessageEndEvent(message_id="m1", subagent_run_id="s1")], len(events) + 1)[0])
    assert view.last_change_seq == view.last_seq == len(events) + 1


def test_a_command_folds_from_request_to_end_keeping_its_output_in_order():
    view = fold("r", stored([
        custom(CommandRequested(command_id="c1", command="pytest -q")),
        custom(CommandStarted(command_id="c1", sandboxed=True)),
        custom(CommandOutput(command_id="c1", text="one\r\n")),
        custom(CommandInterruptRequested(command_id="c1")),
        custom(CommandOutput(command_id="c1", text="two", cut=True)),
        custom(CommandEnded(command_id="c1", status=CommandStatus.INTERRUPTED, ending=CommandEnd.INTERRUPTED,
                            exit_code=130, duration_ms=900, output_bytes=5000, message="Interrupted by you.")),
        custom(CommandOutput(command_id="unknown", text="ignored"))]))
    [command] = view.commands.values()
    assert (command.output, command.output_chars, command.cut) == ("one\r\ntwo", 8, True)
    assert (command.status, command.exit_code, command.interrupt_requested) == ("interrupted", 130, True)
    assert command.output_bytes == 5000 and view.running_command is None


def test_failing_tests_send_the_developer_back_like_a_request_for_changes():
    code = ArtifactSaved(agent="developer", title="Code", filename="code.md", content="v1")
    events = [RunStartedEvent(thread_id="r", run_id="r", metadata={"agents": [{"name": "developer",
                                                                                 "title": "Developer"}]}),
              custom(code), custom(VerifyStarted()),
              custom(VerifyFinished(status=VerifyStatus.FAILED, summary="1 of 10 tests failed.", failed=1,
                                    passed=9)),
              custom(FixRequested(agent="developer", round=1, feedback="Fix search."))]
    view = fold("r", stored(events))
    assert "developer" not in view.artifacts and view.revisions["developer"][0].content == "v1"
    assert view.feedback["developer"] == "Fix search." and view.agents["developer"].status == "queued"
    assert [(m.kind, m.text) for m in view.messages] == [("test_failure", "Fix search.")]
    assert (view.verify.status, view.verify.fixes, view.verify.stale) == ("failed", 1, False)
    apply(view, StoredEvent(run_id="r", seq=99, event=custom(code.model_copy(update={"content": "v2"}))))
    assert view.verify.stale, "new code: the verdict no longer speaks for it"


def test_tests_cut_short_run_again_and_the_run_list_carries_the_verdict():
    cut_short = fold("r", stored([custom(VerifyStarted()), custom(VerifyFinished(
        status=VerifyStatus.SKIPPED, summary="Stopped.", conclusive=False))]))
    assert cut_short.verify.stale
    assert summary_change([custom(VerifyStarted())]).verdict == "running"
    assert summary_change([custom(VerifyFinished(status=VerifyStatus.PASSED, summary="ok"))]).verdict == "passed"
    assert summary_change([custom(CommandOutput(command_id="c", text="x"))]) == SummaryChange()
