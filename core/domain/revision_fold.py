"""How the events of a project's revisions change a run's view: the fold's part for them (core.domain.fold calls
`apply_revision_event` for each, and the hooks below from its own handlers).

A new revision moves the run's artifacts aside, under the revision that ends, and sends every agent back to the
queue: the pipeline then works the new revision as it worked the first. The project's files change only with a
commit."""

from .files import (
    ChangedFile,
    CommitView,
    ContextView,
    FileChangeKind,
    FileView,
    ImportNoteView,
    PushView,
    RevisionView,
)
from .revision_events import (
    ContextChosen,
    EditFailed,
    EditRefused,
    FilesCommitted,
    ImportReport,
    ProjectPayload,
    PushFinished,
    RevisionOrigin,
    RevisionStarted,
)
from .status import AgentStatus, MessageKind, VerifyStatus
from .view import MessageView, RunView

FIXING_EDITS = "Fixing its edits"


def apply_revision_event(view: RunView, payload: ProjectPayload) -> None:
    match payload:
        case RevisionStarted():
            _revision_started(view, payload)
        case FilesCommitted():
            _files_committed(view, payload)
        case EditFailed():
            _edit_failed(view, payload)
        case EditRefused():
            view.messages.append(MessageView(f"edit-refused:{payload.interrupt_id}:{len(view.messages)}", payload.agent,
                                             payload.sentence, complete=True, kind=MessageKind.EDIT_REFUSED,
                                             revision=revision_number(view)))
        case ContextChosen():
            view.project.contexts[payload.agent] = ContextView(tuple(payload.files), payload.tokens, payload.budget)
        case ImportReport():
            view.project.import_notes = [ImportNoteView(note.path, note.reason, note.sentence)
                                         for note in payload.notes]
        case PushFinished():
            view.project.pushes.append(PushView(payload.url, payload.branch, payload.ok, payload.message,
                                                payload.commit))


def revision_number(view: RunView) -> int:
    """The revision the run works on: 1 for a run that has not started one (a log from before revisions)."""
    return view.project.revision or 1


def first_revision(view: RunView, brief: str) -> None:
    """The run's choices are recorded: its brief is the first revision's request."""
    if not view.project.revisions:
        view.project.revisions.append(RevisionView(1, brief, RevisionOrigin.FIRST, None, {}))
        view.project.revision = 1


def artifact_saved(view: RunView, agent: str) -> None:
    """The agent's answer stands: the attempts whose edits failed are behind it."""
    view.project.rejected.pop(agent, None)
    view.project.edit_failures.pop(agent, None)


def artifact_edited(view: RunView, agent: str, content: str) -> None:
    """The user edited the agent's artifact at an approval: its files follow with the next commit (by "you")."""
    view.project.uncommitted_edits[agent] = content


def _revision_started(view: RunView, started: RevisionStarted) -> None:
    project = view.project
    current = project.current
    if current is not None and current.number == started.revision:  # the first revision, stated as what it is
        current.request, current.origin, current.restores = started.request, started.origin, started.restores
    else:
        if current is not None:
            _close(view, current)
        project.revisions.append(RevisionView(started.revision, started.request, started.origin, started.restores,
                                              dict(project.files)))
        if current is not None:
            _move_aside(view, current)
    project.revision = view.usage.revision = started.revision  # calls from here on count to this revision
    project.contexts = {}
    if started.origin == RevisionOrigin.RESTORE and (restored := project.revision_of(started.restores or 0)):
        view.artifacts = dict(restored.artifacts)  # they describe the files brought back, and stand approved
        view.approved = set(view.artifacts)
    if started.origin != RevisionOrigin.FIRST:
        view.messages.append(MessageView(f"revision:{started.revision}", "", started.request, complete=True,
                                         kind=MessageKind.CHANGE_REQUEST, revision=started.revision))


def _close(view: RunView, revision: RevisionView) -> None:
    project = view.project
    revision.closed, revision.status, revision.commit = True, view.status, project.head
    revision.verdict = view.verify.status if view.verify is not None else None
    revision.end = dict(project.files)


def _move_aside(view: RunView, ended: RevisionView) -> None:
    """The artifacts belong to the revision that ended; every agent works again on the new one."""
    ended.artifacts, ended.earlier = view.artifacts, view.revisions
    view.artifacts, view.revisions, view.approved, view.feedback = {}, {}, set(), {}
    view.pending, view.verify, view.pause_requested = None, None, False
    view.pending_budget, view.budget_stopped = None, False
    view.project.edit_failures, view.project.rejected, view.project.uncommitted_edits = {}, {}, {}
    for agent in view.agents.values():
        agent.status, agent.error, agent.task, agent.streaming = AgentStatus.QUEUED, None, "", False
        agent.missing = []


def _files_committed(view: RunView, committed: FilesCommitted) -> None:
    project = view.project
    project.uncommitted_edits = {}  # the pipeline commits them before any other commit
    before = dict(project.files)
    written: dict[str, FileView | None] = {}
    for change in committed.changes:
        content = change.content
        if content is None:
            project.files.pop(change.path, None)
            written[change.path] = None
        else:
            written[change.path] = project.files[change.path] = FileView(content, change.withheld)
    changed = tuple(ChangedFile(path, FileChangeKind.DELETED if file is None else
                                FileChangeKind.MODIFIED if path in before else FileChangeKind.ADDED)
                    for path, file in sorted(written.items())
                    if file is not None or path in before)
    project.commits.append(CommitView(committed.commit, committed.parent, committed.revision, committed.author,
                                      committed.author_name, committed.author_email, committed.message,
                                      committed.time_s, written, changed, before))
    if view.verify is not None and view.verify.status != VerifyStatus.RUNNING:
        view.verify.stale = True  # the files the verdict was on have changed


def _edit_failed(view: RunView, failed: EditFailed) -> None:
    project, name = view.project, failed.agent
    view.messages.append(MessageView(f"edit:{name}:{len(project.commits)}:{len(view.messages)}", name,
                                     failed.problems, complete=True, kind=MessageKind.EDIT_FAILURE,
                                     revision=revision_number(view)))
    if failed.final:  # the agent fails (its SUBAGENT_ERROR follows); a Retry starts its attempts afresh
        project.edit_failures.pop(name, None)
        project.rejected.pop(name, None)
        return
    project.edit_failures[name] = failed.attempt
    answer = next((message.text for message in reversed(view.messages)
                   if message.agent == name and message.kind == MessageKind.ANSWER and message.complete), None)
    if answer is not None:
        project.rejected[name] = answer
    view.feedback[name] = failed.problems
    if (agent := view.agents.get(name)) is not None:
        agent.status, agent.task = AgentStatus.QUEUED, FIXING_EDITS
