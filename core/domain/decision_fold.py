"""How the decisions on an agent's answer change a run's view: the user's (approve, edit, request changes, and the
soft budget's continue or stop) and the tests' (a fix round). The fold's part for them (core.domain.fold); the
repair round of a missing deliverable sends an agent back the same way."""

from .custom import ApprovalDecided, BudgetDecided, FixRequested
from .revision_fold import artifact_edited, revision_number
from .status import AgentStatus, Decision, MessageKind, VerifyStatus
from .view import AgentView, ArtifactView, MessageView, RunView


def verdict_outdated(view: RunView) -> None:
    if view.verify is not None and view.verify.status != VerifyStatus.RUNNING:
        view.verify.stale = True


def send_back(view: RunView, agent: AgentView | None, name: str, feedback: str, message: MessageView,
               task: str) -> None:
    """The agent's artifact becomes an earlier version, and the agent works again with the feedback."""
    if (artifact := view.artifacts.pop(name, None)) is not None:
        view.revisions.setdefault(name, []).append(artifact)
    view.feedback[name] = feedback
    view.approved.discard(name)
    view.messages.append(message)
    if agent is not None:
        agent.status, agent.task = AgentStatus.QUEUED, task


def fix_requested(view: RunView, agent: AgentView | None, fix: FixRequested) -> None:
    if view.verify is not None:
        view.verify.fixes = fix.round
    send_back(view, agent, fix.agent, fix.feedback,
               MessageView(message_id=f"fix:{fix.agent}:{revision_number(view)}:{fix.round}", agent=fix.agent,
                           text=fix.feedback, complete=True, kind=MessageKind.TEST_FAILURE,
                           revision=revision_number(view)),
               "Fixing the failing tests")


def approval_decided(view: RunView, agent: AgentView | None, decided: ApprovalDecided) -> None:
    """Approve keeps the artifact; edit replaces it with the user's text; request changes sends the agent back to
    work with the feedback. Earlier versions are kept in `revisions`. The run goes on at once."""
    view.pending, view.finished_ms = None, None
    name, decision = decided.agent, decided.decision
    artifact = view.artifacts.get(name)
    if decision == Decision.REQUEST_CHANGES:
        send_back(view, agent, name, decided.feedback or "",
                   MessageView(message_id=decided.interrupt_id, agent=name, text=decided.feedback or "",
                               complete=True, kind=MessageKind.FEEDBACK, revision=revision_number(view)),
                   "Changes requested")
        return
    if decision == Decision.EDIT and artifact is not None:
        view.revisions.setdefault(name, []).append(artifact)
        view.artifacts[name] = ArtifactView(name, artifact.title, artifact.filename, decided.content or "",
                                            edited=True)
        artifact_edited(view, name, decided.content or "")
        verdict_outdated(view)
    view.approved.add(name)
    if agent is not None:
        agent.status = AgentStatus.DONE
        agent.task = "Edited and approved" if decision == Decision.EDIT else "Approved"


def budget_decided(view: RunView, decided: BudgetDecided) -> None:
    """Continue raises the soft ceiling and the run goes on; stop ends the run (with its own event)."""
    view.pending_budget, view.finished_ms = None, None
    if decided.proceed:
        view.soft_budget_usd = decided.soft_budget_usd
    else:
        view.budget_stopped = True
