"""A project's revisions as the fold keeps them: commits whose ids a rebuild of the history reproduces (and a log
that disagrees is refused), a change request that moves the artifacts aside, a restore that brings an earlier
revision's files back byte for byte, a user's edit at an approval as a commit by "you", and the demo model's
change whose first edit fails under the badedit fault."""

import pytest

from agents.revision import edited_commit
from agents.roles import TEAM
from core.codebase.answers import answer_changes
from core.codebase.commits import files_committed
from core.codebase.edits import EditsFailed
from core.codebase.history import HistoryError
from core.codebase.project_history import history_of
from core.demo.changes import Request, change_answer
from core.domain.custom import ApprovalDecided, ArtifactSaved, RunConfigured, custom
from core.domain.events import StoredEvent, SubagentStartedEvent
from core.domain.fold import apply
from core.domain.files import FileView
from core.domain.project import derived_files
from core.domain.revision_events import FilesCommitted, RevisionOrigin
from core.domain.revisions import revision_files, revision_tags
from core.domain.status import AgentStatus, Decision, MessageKind, RunStatus
from core.domain.view import RunView
from core.engine.revisions import change_requested, restore_requested

BRIEF = "A calculator"
DEVELOPER, TESTER = (next(member for member in TEAM.members if member.name == name) for name in ("developer", "tester"))
CODE = {"src/calc/__init__.py": "from .ops import add\n", "src/calc/ops.py": "def add(a, b):\n    return a + b\n"}


class Log:
    """A run's log and its view, event by event."""

    def __init__(self) -> None:
        self.view, self.events = RunView(run_id="r"), []
        self.add(custom(RunConfigured(brief=BRIEF)))

    def add(self, *events) -> None:
        for event in events:
            stored = StoredEvent(run_id="r", seq=len(self.events) + 1, event=event)
            self.events.append(stored)
            apply(self.view, stored)

    def commit(self, author: str, changes: dict, time_s: int = 1_700_000_000) -> None:
        self.add(custom(files_committed(self.view, author, author.title(), f"{author} step", changes,
                                        time_s=time_s)))


def finished_first_revision() -> Log:
    log = Log()
    log.add(SubagentStartedEvent(subagent_run_id="s1", name="developer", metadata={"title": "Developer"}))
    log.add(custom(ArtifactSaved(agent="developer", title="Code", filename="code.md", content="the code")))
    log.commit("developer", CODE)
    log.commit("tester", {"tests/test_ops.py": "from calc import add\n"}, 1_700_000_060)
    log.view.status = RunStatus.COMPLETED  # as RUN_FINISHED leaves it
    return log


def test_commit_ids_are_the_rebuilt_historys_and_a_log_that_disagrees_is_refused():
    log = finished_first_revision()
    history = history_of(log.view)
    assert [commit.id for commit in history.commits] == [commit.commit for commit in log.view.project.commits]
    assert history.files() == {path: file.data for path, file in log.view.files.items()}
    assert revision_tags(log.view) == {1: log.view.project.head}
    tampered = log.events[-1].event.value | {"message": "someone else's message"}
    again = Log()
    for stored in log.events[1:-1]:
        again.add(stored.event)
    again.add(custom(FilesCommitted(**tampered)))
    with pytest.raises(HistoryError, match="cannot be rebuilt: commit 2 "):
        history_of(again.view)


def test_a_change_request_moves_the_artifacts_aside_and_sends_every_agent_back_to_work():
    log = finished_first_revision()
    log.add(*change_requested(log.view, "add a --pretty flag"))
    view = log.view
    assert view.project.revision == 2 and view.artifacts == {} and view.status == RunStatus.RUNNING
    assert view.agents["developer"].status == AgentStatus.QUEUED
    first, second = view.project.revisions
    assert first.closed and first.artifacts["developer"].content == "the code" and first.commit == view.project.head
    assert second.base == view.files and (second.origin, second.request) == (RevisionOrigin.CHANGE,
                                                                              "add a --pretty flag")
    [request] = [message for message in view.messages if message.kind == MessageKind.CHANGE_REQUEST]
    assert (request.text, request.revision) == ("add a --pretty flag", 2)


def test_a_restore_brings_the_files_back_byte_for_byte_as_one_commit_by_restore():
    log = finished_first_revision()
    log.add(*change_requested(log.view, "add a --pretty flag"))
    log.commit("developer", {"src/calc/ops.py": "def add(a, b):\n    return a + b  # changed\n",
                             "src/calc/pretty.py": "X = 1\n", "logo.png": b"\x89PNG\0\1"}, 1_700_000_120)
    log.view.status = RunStatus.COMPLETED
    log.add(*restore_requested(log.view, 1))
    view = log.view
    assert view.project.revisions[-1].origin == RevisionOrigin.RESTORE and view.project.commits[-1].author == "restore"
    assert {path: file.data for path, file in view.files.items()} == {
        path: file.data for path, file in revision_files(view, view.project.revision_of(1)).items()}
    assert view.artifacts["developer"].content == "the code"  # the restored revision's, standing approved
    assert [commit.id for commit in history_of(view).commits] == [commit.commit for commit in view.project.commits]


def test_an_edit_at_an_approval_is_a_commit_by_you_that_takes_the_place_of_the_agents_files():
    log = Log()
    log.add(SubagentStartedEvent(subagent_run_id="s1", name="developer", metadata={"title": "Developer"}))
    answer = "".join(f"**File: `{path}`**\n\n```python\n{text}```\n\n" for path, text in CODE.items())
    log.add(custom(ArtifactSaved(agent="developer", title="Code", filename="code.md", content=answer)))
    log.commit("developer", answer_changes(DEVELOPER, answer, {}) | derived_files(CODE, BRIEF))  # as its step does
    assert edited_commit(log.view, BRIEF) is None  # nothing edited
    edited = answer.replace("return a + b", "return b + a")
    log.add(custom(ApprovalDecided(interrupt_id="approval:developer:1", agent="developer", decision=Decision.EDIT,
                                   content=edited)))
    commit = edited_commit(log.view, BRIEF)
    assert commit.author == "you" and [change.path for change in commit.changes] == ["src/calc/ops.py"]
    log.add(custom(commit))
    assert log.view.files["src/calc/ops.py"].content == "def add(a, b):\n    return b + a\n"
    assert edited_commit(log.view, BRIEF) is None  # committed once


def test_the_demo_models_change_adds_a_function_and_badedit_fails_its_first_edit_only():
    request = Request(text="add a --pretty flag", brief=BRIEF, files=CODE, previous=None, feedback=None,
                      artifacts={})
    files = {path: FileView(text) for path, text in CODE.items()}
    changed = answer_changes(DEVELOPER, change_answer("developer", request), files)
    assert "def pretty_flag() -> str:" in changed["src/calc/ops.py"]
    assert changed["src/calc/__init__.py"] == "from .ops import add, pretty_flag\n"
    with pytest.raises(EditsFailed):
        answer_changes(DEVELOPER, change_answer("developer", request, badedit=True), files)
    asked_again = Request(**{**request.__dict__, "feedback": "The SEARCH text was not found."})
    assert answer_changes(DEVELOPER, change_answer("developer", asked_again, badedit=True), files) == changed
    assert "tests/test_pretty_flag.py" in answer_changes(TESTER, change_answer("tester", request), files)
