"""What the run wants the user to notice: the tab's title, a desktop notification when it needs them, and a short
spoken sentence for screen readers whenever its state changes — never per token.

The sentences are made here, from the view; attention.js sets the title and shows the notification.
"""

from nicegui import ui
from nicegui.element import Element

from core.domain.events import now_ms
from core.domain.outcome import SENTENCES, RunOutcome, outcome
from core.domain.status import AgentStatus, RunStatus, VerifyStatus
from core.domain.view import RunView
from core.llm.errors import wait_message

from . import status
from .props import set_prop, set_text
from .theme import NOTIFY_OPT_IN, title

RUN_SENTENCES = {
    RunStatus.RUNNING: "The run is running.",
    RunStatus.PAUSED: "The run is paused.",
    RunStatus.CANCELLED: "The run was cancelled.",
    RunStatus.INTERRUPTED: "The run was interrupted.",
}
BUDGET_WAIT = "Waiting for you to allow more spending"
TESTS_SPOKEN = {VerifyStatus.PASSED: "The project's tests passed", VerifyStatus.FAILED: "The project's tests failed"}
# An agent's wait for approval is said as the run's; queued and idle agents are what every run starts with.
UNSPOKEN = frozenset({AgentStatus.WAITING_APPROVAL, AgentStatus.QUEUED, AgentStatus.IDLE})


def headline(view: RunView) -> str:
    """The run's state in a few words, as the tab's title shows it."""
    if view.status == RunStatus.WAITING_APPROVAL:
        return BUDGET_WAIT if view.pending_budget is not None else "Waiting for your approval"
    if view.status != RunStatus.RUNNING:
        return status.run_label(view.status, outcome(view))
    if view.queue_position is not None:
        return "Queued"
    if view.pause_requested:
        return "Pausing"
    working = [agent.title for agent in view.agents.values() if agent.status == AgentStatus.WORKING]
    return f"{working[0]} working" if working else "Running"


def verdict_sentence(view: RunView) -> str:
    return f"{TESTS_SPOKEN[view.verify.status]}: {view.verify.summary}"


def ending_sentence(view: RunView, ended: RunOutcome) -> str:
    """What the run delivered, in a sentence: the failing tests' own summary when they failed."""
    return verdict_sentence(view) if ended == RunOutcome.TESTS_FAILED else SENTENCES[ended]


def ending_title(ended: RunOutcome) -> str:
    """"Run completed", "Run finished — no runnable code", …"""
    words = status.run_label(RunStatus.COMPLETED, ended)
    return f"Run {words[0].lower()}{words[1:]}"


def review_sentence(view: RunView) -> str:
    agent = view.agents.get(view.pending.agent)
    artifact = view.artifacts.get(view.pending.agent)
    who = agent.title if agent else view.pending.agent
    return f"{who}'s {artifact.title.lower() if artifact else 'work'} waits for your review."


def notice(view: RunView) -> tuple[str, str, str] | None:
    """(key, title, body) of a desktop notification when the run needs the user; the key is new each time."""
    if view.status == RunStatus.WAITING_APPROVAL and view.pending is not None:
        return view.pending.interrupt_id, "Waiting for your approval", review_sentence(view)
    if view.status == RunStatus.WAITING_APPROVAL and view.pending_budget is not None:
        return view.pending_budget.interrupt_id, BUDGET_WAIT, view.pending_budget.message
    if view.status == RunStatus.FAILED:
        return f"failed:{view.segments}", "Run failed", view.error or ""
    if (ended := outcome(view)) is not None:
        return f"completed:{view.segments}", ending_title(ended), ending_sentence(view, ended)
    return None


def spoken(view: RunView, before: dict[str, object] | None) -> str:
    """What changed since `before` (the run's and each agent's state), in sentences."""
    now = states(view)
    if before is None or now == before:
        return ""
    sentences = []
    for name, agent in view.agents.items():
        if now.get(name) == before.get(name):
            continue
        if agent.waiting is not None:
            seconds = ((agent.waiting_until_ms or 0) - now_ms()) / 1000
            sentences.append(f"{agent.title}: {wait_message(agent.waiting, seconds)}")
        elif agent.status == AgentStatus.FAILED:
            sentences.append(f"{agent.title} failed: {agent.error or ''}")
        elif agent.status not in UNSPOKEN:
            sentences.append(f"{agent.title}: {status.label(agent.status).lower()}.")
    if now["tests"] != before["tests"] and now["tests"] in TESTS_SPOKEN:
        sentences.append(verdict_sentence(view))
    if now["run"] != before["run"]:
        if view.status == RunStatus.WAITING_APPROVAL and view.pending is not None:
            sentences.append(f"Waiting for your approval: {review_sentence(view)}")
        elif view.status == RunStatus.WAITING_APPROVAL and view.pending_budget is not None:
            sentences.append(f"{BUDGET_WAIT}: {view.pending_budget.message}")
        elif view.status == RunStatus.FAILED:
            sentences.append(f"The run failed. {view.error or ''}")
        elif (ended := outcome(view)) is not None:  # failing tests are said again: it matters
            sentences.append(f"{status.run_label(view.status, ended)}. {ending_sentence(view, ended)}")
        else:
            sentences.append(RUN_SENTENCES[view.status])
    return " ".join(sentences)


def states(view: RunView) -> dict[str, object]:
    return {"run": (view.status, view.pending, view.pending_budget), "tests": view.verify and view.verify.status,
            **{name: (agent.status, agent.waiting) for name, agent in view.agents.items()}}


class TabSignal(Element, component="attention.js"):
    """The tab's title and the notification to show, for the browser to act on."""

    def __init__(self) -> None:
        super().__init__()
        self.props.update({"title": "", "status": "", "notice": None, "opt-in": NOTIFY_OPT_IN})


class Attention:
    def __init__(self, view: RunView) -> None:
        ui.page_title(title(headline(view)))  # the title the page is served with; the browser keeps it current
        self.signal = TabSignal().props("data-testid=run-attention")
        self.voice = ui.label("").classes("sr-only").props(
            "role=status aria-live=polite aria-atomic=true data-testid=run-announcer")
        self.said: dict[str, object] | None = None
        self.shown: tuple | None = None

    def update(self, view: RunView) -> None:
        shown = (view.status, view.timeline.version, view.pause_requested, view.queue_position)
        if shown == self.shown:
            return  # streamed text: nothing to tell
        self.shown = shown
        set_prop(self.signal, "title", title(headline(view)))
        set_prop(self.signal, "status", view.status)
        wanted = notice(view)
        set_prop(self.signal, "notice", wanted and dict(zip(("key", "title", "body"), wanted)))
        if sentence := spoken(view, self.said):
            set_text(self.voice, sentence)
        self.said = states(view)
