"""An agent's step on a project that has files: what it is sent (the change request, the artifacts it reads, a map
of the files and the files that matter, within a token budget), and what becomes of its answer (its files applied
all or none, recorded as one commit with the artifact; edits that cannot be applied sent back to it, at most
MAX_EDIT_RETRIES times).

In the first revision of a new project the agents write whole files, as they always did; in a later revision, an
imported project's first, and whenever an agent redoes its work (a request for changes, failing tests, edits that
failed), the agents that write files edit them (core.codebase.edits).
"""

from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass

from core.codebase.answers import answer_changes
from core.codebase.commits import commit_message, files_committed
from core.codebase.context import DEFAULT_BUDGET, select_context
from core.codebase.edits import EditsFailed
from core.domain.custom import ArtifactSaved, custom, payload_as
from core.domain.events import Event, EventType, SubagentErrorEvent
from core.domain.project import derived_files
from core.domain.files import FileView
from core.domain.revision_events import AUTHOR_YOU, ContextChosen, EditFailed, FilesCommitted, RevisionOrigin
from core.domain.revision_fold import revision_number
from core.domain.status import ErrorCode, VerifyStatus
from core.domain.team import Member
from core.domain.view import RunView
from core.engine.context import RunContext

from .roles import ROLES, TEAM, Role, build_messages
from .step import AgentInputs
from .verify import ProjectTests, needs_verdict

MAX_EDIT_RETRIES = 2
YOU_NAME = "You"  # the author name of the user's own commits
EDITS_GAVE_UP = "Its edits could not be applied in {attempts} attempts; the transcript says why."
EDIT_NOT_APPLIED = ("Your edit of the {artifact} cannot be applied to the project's files, so nothing of it was: "
                    "{reason}{more} Correct it, or approve the answer as it was.")

REVISION_NOTE = (
    "This is a change request on an existing project, in <request>: the project's files as they stand are in "
    "<files> (a map of all of them, then the ones that matter to the request), and the artifacts of this "
    "revision or the one before are in <artifact> tags.")
DOCUMENT_NOTE = (
    "Write your document as it stands after the change, in full: keep what still holds and change what the request "
    "needs; if nothing needs to change, say so and keep it as it was.")
EDIT_NOTE = (
    "Change existing files with SEARCH/REPLACE blocks and nothing else: the file's path alone on a line, then a "
    "fenced block holding\n<<<<<<< SEARCH\nthe lines as they are now, exactly\n=======\nthe lines as they should "
    "be\n>>>>>>> REPLACE\nEach SEARCH must match one place in its file: quote enough lines, and use one block per "
    "place. Create a new file as a line **File: `path`** followed by one fenced block with its whole content. "
    "Change only what is needed; never send an existing file whole.")
CLOSING_EDITS = "Send your changes to the files as SEARCH/REPLACE blocks (and new files whole)."


@dataclass(frozen=True)
class RevisionInputs(AgentInputs):
    """An agent's inputs on a project that has files: the change request (None for the first revision's redo), the
    files as the model is to see them, and whether it writes files as edits."""

    request: str | None = None
    files: str = ""
    edits: bool = False
    document: bool = False

    def messages(self, role: Role) -> list[dict]:
        """The role's messages with the revision's parts after what stays the same from call to call (the system
        prompt, the brief, the artifacts, the previous answer), so a redo shares the first call's cached prefix."""
        notes = [REVISION_NOTE] if self.request is not None else []
        notes += [DOCUMENT_NOTE] if self.document and self.request is not None else []
        notes += [EDIT_NOTE] if self.edits else []
        parts = [f"<request>\n{self.request}\n</request>"] if self.request is not None else []
        parts += [f"<files>\n{self.files}</files>"] if self.files else []
        return build_messages(role, self.brief, self.earlier, self.feedback, self.previous, self.system,
                              notes=[*parts, "\n".join(notes)] if notes else parts,
                              closing=[CLOSING_EDITS] if self.edits else [])


@dataclass(frozen=True)
class Prepared:
    inputs: AgentInputs
    context: ContextChosen | None  # what the step sends of the project, recorded before it starts


def prepare(role: Role, view: RunView, brief: str, run_id: str, segment: int, label: str | None,
            budget: int = DEFAULT_BUDGET) -> Prepared:
    """The inputs of `role`'s next step; `label` names the invocation (a fix round), `budget` is the context's
    tokens."""
    project, name = view.project, role.name
    if (failures := project.edit_failures.get(name)) is not None:
        label = f"{label or segment}-edit{failures}"
    earlier_versions = view.revisions.get(name)
    previous = project.rejected.get(name) or (earlier_versions[-1].content if earlier_versions else None)
    feedback = view.feedback.get(name)
    chosen = {"model": view.models.get(name), "system": view.prompts.get(name)}  # the run's choices for the role
    revision = project.current
    first = revision is None or revision.origin == RevisionOrigin.FIRST
    edits = role.files_under is not None
    if first and not (edits and feedback is not None):  # a new project: the brief and everything written so far
        return Prepared(AgentInputs(run_id=run_id, brief=brief, earlier=so_far(view), feedback=feedback,
                                    previous=previous, attempt=segment, label=label, **chosen), None)
    earlier = so_far(view) if first else _read_by(role, view)  # a redo in the first revision: as its first call
    own = earlier.pop(name, None)  # a document is rewritten from the revision before's; files are in <files>
    if previous is None and role.document is not None:
        previous = own
    request = None if first else revision.request
    documents = {member.document for member in TEAM.members if member.document is not None}
    shown = {path: file.data for path, file in view.files.items() if path not in documents}
    if not shown:
        return Prepared(RevisionInputs(run_id=run_id, brief=brief, earlier=earlier, feedback=feedback,
                                       previous=previous, attempt=segment, label=label, request=request,
                                       edits=edits, document=role.document is not None, **chosen), None)
    kept_back = {path for path, file in view.files.items() if file.withheld}
    query = "\n".join(text for text in (request or brief, feedback) if text)  # the brief's words would pick everything
    context = select_context(shown, query, budget, kept_back)
    return Prepared(
        RevisionInputs(run_id=run_id, brief=brief, earlier=earlier, feedback=feedback, previous=previous,
                       attempt=segment, label=label, request=request, files=context.text, edits=edits,
                       document=role.document is not None, **chosen),
        ContextChosen(agent=name, files=[chosen.path for chosen in context.files], tokens=context.total,
                      budget=context.budget))


def so_far(view: RunView) -> dict[str, str]:
    """The artifacts so far, in pipeline order."""
    return {role.name: view.artifacts[role.name].content for role in ROLES if role.name in view.artifacts}


def _read_by(role: Role, view: RunView) -> dict[str, str]:
    """The artifacts the role reads, and its own: this revision's where they exist, else the revision before's."""
    revisions = view.project.revisions
    before = revisions[-2].artifacts if len(revisions) > 1 else {}
    read = {}
    for other in ROLES:
        if other.name in role.needs or other.name == role.name:
            artifact = view.artifacts.get(other.name) or before.get(other.name)
            if artifact is not None:
                read[other.name] = artifact.content
    return read


def retries_edits(view: RunView, role: Role) -> bool:
    """The role's edits failed and it has attempts left: its step runs again."""
    return role.name not in view.artifacts and role.name in view.project.edit_failures


async def committed(ready: AsyncIterator[list[Event]], role: Role, view: RunView, brief: str
                    ) -> AsyncIterator[list[Event]]:
    """The step's events, in batches to append as they come (`ready`: as the step had them ready, agents.reading);
    its artifact is held back until the step finishes, then appended with the commit of its files in one batch, so
    a step is either committed whole or not at all (after a crash, a step without its commit runs again). Edits that
    cannot be applied become EDIT_FAILED."""
    held: ArtifactSaved | None = None
    async for events in ready:
        batch: list[Event] = []
        for event in events:
            if (saved := payload_as(event, ArtifactSaved)) is not None:
                held = saved
            elif event.type == EventType.SUBAGENT_FINISHED and held is not None:
                if batch:  # appended first: the commit is made from the view that holds them
                    yield batch
                    batch = []
                yield _finish(role, view, brief, held, event)
            else:
                batch.append(event)
        if batch:
            yield batch


def _finish(role: Role, view: RunView, brief: str, saved: ArtifactSaved, finished: Event) -> list[Event]:
    try:
        changes = _changes(_member(role.name), saved.content, view.files, view, brief)
    except EditsFailed as failure:
        attempt = view.project.edit_failures.get(role.name, 0) + 1
        if attempt <= MAX_EDIT_RETRIES:
            return [finished, custom(EditFailed(agent=role.name, attempt=attempt, problems=failure.prompt))]
        return [custom(EditFailed(agent=role.name, attempt=attempt, problems=failure.prompt, final=True)),
                SubagentErrorEvent(subagent_run_id=finished.subagent_run_id,
                                   message=EDITS_GAVE_UP.format(attempts=attempt), code=ErrorCode.EDITS_FAILED)]
    commit = files_committed(view, role.name, role.title, _message(role, view, brief), changes)
    return [custom(saved), *([custom(commit)] if commit is not None else []), finished]


def _changes(member: Member, answer: str, files: Mapping[str, FileView], view: RunView, brief: str
             ) -> dict[str, str]:
    changes = answer_changes(member, answer, files)
    revision = view.project.current
    if revision is None or revision.origin == RevisionOrigin.FIRST:  # a new project gets what it needs to run
        changes |= derived_files(files.keys() | changes.keys(), brief)
    return changes


def edited_commit(view: RunView, brief: str) -> FilesCommitted | None:
    """The commit by "you" of the artifacts the user edited at an approval: each edited answer takes the place of
    the agent's own (the files as the agent's last commit of this revision found them, with the edited answer
    applied instead). None when that changes no file."""
    changes: dict[str, str | bytes | None] = {}
    subjects = []
    for name, content in view.project.uncommitted_edits.items():
        try:
            changes |= _edit_changes(view, name, content, brief)
        except EditsFailed:  # refused when the user decided (edit_refusal); a log from before that changes no file
            pass
        subjects.append(next(role for role in ROLES if role.name == name).artifact_title.lower())
    if not changes:
        return None
    revision = view.project.current
    message = commit_message(f"Edit the {' and the '.join(subjects)}", revision_number(view),
                             revision.request if revision is not None else brief)
    return files_committed(view, AUTHOR_YOU, YOU_NAME, message, changes)


def edit_refusal(view: RunView, agent: str, content: str) -> str | None:
    """Why the user's edit of `agent`'s answer at an approval cannot be applied to the files (its SEARCH/REPLACE
    edits do not fit them), as one sentence; None when it can. Asked before the decision is recorded, so an edit
    that does not fit is never applied, not even in part (core.engine.commands.RunService.decide)."""
    role = next((role for role in ROLES if role.name == agent), None)
    if role is None:
        return None
    try:
        _edit_changes(view, agent, content, view.brief)
    except EditsFailed as failure:
        reasons = [item.sentence.split("\n", 1)[0] for item in failure.failures]
        more = f" (and {len(reasons) - 1} more)" if len(reasons) > 1 else ""
        return EDIT_NOT_APPLIED.format(artifact=role.artifact_title.lower(), reason=reasons[0] if reasons else "",
                                       more=more)
    return None


def _edit_changes(view: RunView, name: str, content: str, brief: str) -> dict[str, str | bytes | None]:
    """What the user's edited answer makes of the files the agent's commit of this revision wrote: their contents
    (None: deleted) with the edited answer applied in place of the agent's; EditsFailed when it cannot be."""
    own = next((commit for commit in reversed(view.project.commits)
                if commit.author == name and commit.revision == revision_number(view)), None)
    base = dict(own.before) if own is not None else dict(view.files)
    written = _changes(_member(name), content, base, view, brief)
    target = {path: file.content for path, file in base.items()} | written
    return {path: target.get(path) for path in set(own.written if own is not None else ()) | set(written)}


def _member(name: str) -> Member:
    return next(member for member in TEAM.members if member.name == name)


def _message(role: Role, view: RunView, brief: str) -> str:
    verify = view.verify
    if role.fixes_tests and verify is not None and verify.status == VerifyStatus.FAILED and verify.fixes:
        subject = f"Fix the failing tests (round {verify.fixes})"
    else:
        revision = view.project.current
        new = revision is None or (revision.origin == RevisionOrigin.FIRST and role.name not in view.revisions)
        subject = f"{'Write' if new else 'Update'} the {role.artifact_title.lower()}"
    revision = view.project.current
    return commit_message(subject, revision_number(view), revision.request if revision is not None else brief)


def restoring(view: RunView) -> bool:
    revision = view.project.current
    return revision is not None and revision.origin == RevisionOrigin.RESTORE


async def verify_restored(run: RunContext, tests: ProjectTests | None) -> None:
    """A restore's revision: no agent works; the restored files' tests run once."""
    if tests is not None and needs_verdict(run.view):
        await tests.run(run, 0)
