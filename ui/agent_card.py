"""One agent's card: status, current task, the model it calls, progress, typing indicator, elapsed time, tokens and
cost with the share its prompt cache saved, what its answer still lacked after its repair rounds, and in a revision
what it was sent of the project's files ("4 files · 3,120 of 12,000 tokens")."""

from collections.abc import Callable

from nicegui import ui

from core.domain.events import now_ms
from core.domain.files import ContextView
from core.domain.status import RESUMABLE, AgentStatus
from core.domain.view import AgentView, RunView
from core.llm.errors import wait_message

from . import status
from .live_value import LiveBar, LiveText
from .notice import ErrorNotice
from .props import set_prop, set_text, set_visible
from .scope import Scope


class AgentCard:
    def __init__(self, name: str, title: str, on_retry: Callable) -> None:
        self.name = name
        self.counts: tuple = ()  # what the card shows, to tell what changed
        self.state: tuple = ()
        with Scope(contents=True), ui.card().classes("agent-card w-full gap-1").props(
                f"flat bordered data-testid=agent-card-{name} data-status=idle") as self.card:
            with ui.row().classes("w-full items-center justify-between no-wrap"):
                ui.label(title).classes("text-subtitle1 text-weight-medium")
                self.badge = ui.badge(status.label(AgentStatus.IDLE), color=status.color(AgentStatus.IDLE)).props(
                    "data-testid=agent-status")
            with ui.row().classes("items-center gap-1 no-wrap"):
                self.task = ui.label("Waiting for a brief").classes("text-caption text-grey-8 ellipsis")
                self.typing = ui.html('<span class="typing-dots" role="img" aria-label="typing"><i></i><i></i><i></i>'
                                      '</span>', sanitize=False).props("data-testid=typing-indicator")
                self.typing.set_visibility(False)
            self.wait = ui.label("").classes("text-caption text-orange-9").props("data-testid=agent-wait")
            self.wait.set_visibility(False)
            self.model = ui.label("").classes("text-caption text-grey-7").props("data-testid=agent-model")
            self.progress = LiveBar(0.0).props(f'data-testid=agent-progress aria-label="{title} progress"')
            with ui.row().classes("w-full justify-between text-caption text-grey-7"):
                self.elapsed = LiveText("—").props("data-testid=agent-elapsed")
                self.tokens = LiveText(status.usage(0, 0)).props("data-testid=agent-tokens")
            self.missing = ui.label("").classes("text-caption text-deep-orange-10").props(
                "data-testid=agent-missing role=status")
            self.missing.set_visibility(False)
            self.context = ui.label("").classes("text-caption text-grey-7").props("data-testid=agent-context")
            self.context.set_visibility(False)
            self.notice = ErrorNotice("text-caption text-negative")
            self.retry = ui.button("Retry", icon="refresh", on_click=on_retry).props(
                f"flat dense color=primary data-testid=retry-agent-{name} data-requires-connection")
            self.retry.set_visibility(False)

    def update(self, agent: AgentView) -> None:
        """Only what changed since the last flush: while an agent streams, that is its count and its progress,
        which change in place; the rest of the card when the agent's state changes."""
        counts = (agent.tokens, agent.cost_usd, agent.progress, agent.cached_tokens)
        if counts != self.counts:
            self.counts = counts
            if abs(self.progress.value - agent.progress) > 0.005 or agent.progress in (0.0, 1.0):
                self.progress.set(round(agent.progress, 3))
            status.show_usage(self.tokens, agent.tokens, agent.cost_usd, agent.cached_tokens, agent.cached_share)
        state = (agent.status, agent.task, agent.streaming, agent.waiting, agent.waiting_until_ms, agent.error,
                 agent.started_ms, agent.finished_ms, agent.model, tuple(agent.missing))
        if state == self.state:
            return
        self.state = state
        set_prop(self.card, "data-status", agent.status)
        set_text(self.badge, status.label(agent.status))
        set_prop(self.badge, "color", status.color(agent.status))
        set_text(self.task, agent.task or status.label(agent.status))
        set_visible(self.typing, agent.streaming)
        set_prop(self.card, "data-waiting", agent.waiting or "")
        set_prop(self.card, "data-model", agent.model)
        set_text(self.model, agent.model)
        set_text(self.missing, " ".join(agent.missing))
        set_visible(self.missing, bool(agent.missing))
        self.notice.show(agent.error or "")
        self.tick(agent)

    def show_context(self, context: ContextView | None) -> None:
        set_visible(self.context, context is not None)
        set_text(self.context, f"Sent {context.summary}" if context is not None else "")

    def allow_retry(self, allowed: bool) -> None:
        set_visible(self.retry, allowed)

    def tick(self, agent: AgentView) -> None:
        now = now_ms()
        self.elapsed.set(status.duration(agent.elapsed_ms(now)) if agent.started_ms else "—")
        set_visible(self.wait, agent.waiting is not None)
        if agent.waiting is not None:
            set_text(self.wait, wait_message(agent.waiting, (agent.waiting_until_ms - now) / 1000))


class AgentCards:
    """The five cards in pipeline order."""

    def __init__(self, on_retry: Callable) -> None:
        self.on_retry = on_retry
        self.grid = ui.element("div").classes("agent-grid w-full")
        self.cards: dict[str, AgentCard] = {}
        self.drawn = -1  # the view's last_change_seq when every card was last shown

    def update(self, view: RunView) -> None:
        if view.last_change_seq == self.drawn:  # streamed text since: only the counts of the agents streaming moved
            for name, agent in view.agents.items():
                if agent.streaming:
                    self.cards[name].update(agent)
            return
        self.drawn = view.last_change_seq
        for name, agent in view.agents.items():
            if name not in self.cards:
                with self.grid:
                    self.cards[name] = AgentCard(name, agent.title, self.on_retry)
            self.cards[name].update(agent)
            self.cards[name].show_context(view.project.contexts.get(name))
            # Retrying an agent continues the run from it: possible once the run has stopped.
            self.cards[name].allow_retry(agent.status == AgentStatus.FAILED and view.status in RESUMABLE)

    def tick(self, view: RunView) -> None:
        for name, card in self.cards.items():
            if view.agents[name].status == AgentStatus.WORKING:
                card.tick(view.agents[name])
