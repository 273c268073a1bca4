"""A run, live: status and controls, the pending approval or budget question, the five agent cards, the timeline,
the transcript and the artifacts, the project's revisions, the verdict on the project's tests and the terminal, each
inside an error boundary. Controls go to the RunService and the terminal's commands (core.engine.execution) as
commands; the view only renders the fold."""

from nicegui import ui

from core.domain.inputs import InputError
from core.domain.view import RunView
from core.engine.commands import RunService
from core.engine.execution import TerminalCommands

from .agent_card import AgentCards
from .approval_panel import ApprovalPanel
from .artifacts import Artifacts
from .attention import Attention
from .boundary import Boundary, Component
from .budget_panel import BudgetPanel
from .calls import Calls
from .live import LiveRuns
from .revisions import RevisionsPanel
from .run_header import RunHeader
from .terminal import TerminalPanel
from .timeline import RunTimeline
from .transcript import Transcript
from .verify import VerifyCard


async def run_panel(run_id: str, runs: RunService, live_runs: LiveRuns, execution: TerminalCommands,
                    terminal_rate: int) -> bool:
    """Render the run and keep it live until the tab goes away; False when there is no such run."""
    streaming: list[Boundary[Component]] = []  # what streamed text changes, drawn at every flush
    rest: list[Boundary[Component]] = []  # what only other events change, drawn later (ui.live.Later)

    calls = Calls()

    def draw(boundaries: list[Boundary[Component]]) -> None:
        with calls.gathered():
            for boundary in boundaries:
                boundary.update(view)

    def draw_rest() -> None:
        draw(rest)

    def render(_: RunView) -> None:
        nonlocal drawn
        draw(streaming)
        if view.last_change_seq != drawn:
            drawn = view.last_change_seq
            live_runs.later(draw_rest)

    def leave() -> None:
        live_runs.detach(run_id, render)
        live_runs.later.discard(draw_rest)

    view = await live_runs.attach(run_id, render)  # the process's one view of the run, which every flush passes
    if view is None:
        return False
    ui.context.client.on_delete(leave)

    async def command(action, refusal: str) -> None:
        try:
            done = await action(run_id)
        except InputError as error:  # a limit of the user's, such as runs at once
            ui.notify(str(error), type="warning")
            return
        if not done:
            ui.notify(refusal, type="info")

    async def pause() -> None:
        await command(runs.pause, "This run is not working, or it is already pausing.")

    async def cancel() -> None:
        await command(runs.cancel, "This run has already stopped.")

    async def resume() -> None:
        await command(runs.resume, "This run is already running again.")

    with ui.column().classes("w-full gap-4").props(f"data-testid=run-panel data-run-id={run_id}"):
        header = Boundary("run status", lambda: RunHeader(view, pause, cancel, resume))
        # Made when the run first asks: their hidden cards, buttons, text boxes and dialog were ~8 ms of a ~120 ms
        # first mount in every page, most of which never show them.
        approval = Boundary("approval", lambda: ApprovalPanel(run_id, runs),
                            needed=lambda view: view.pending is not None)
        budget = Boundary("budget", lambda: BudgetPanel(run_id, runs),
                          needed=lambda view: view.pending_budget is not None)
        cards = Boundary("agent cards", lambda: AgentCards(resume))
        # What takes no method calls and is below or beside the run's state is drawn after the page's first mount.
        timeline = Boundary("timeline", RunTimeline, deferred=True)
        with ui.element("div").classes("run-columns w-full"):
            with ui.column().classes("gap-2 min-w-0"):
                ui.label("Transcript").classes("text-h6")
                transcript = Boundary("transcript", Transcript)
            with ui.column().classes("gap-2 min-w-0"):
                ui.label("Artifacts").classes("text-h6")
                artifacts = Boundary("artifacts", lambda: Artifacts(run_id), deferred=True)
        revisions = Boundary("revisions", lambda: RevisionsPanel(run_id, runs), deferred=True)
        ui.label("Tests and terminal").classes("text-h6")
        tests = Boundary("tests", VerifyCard, deferred=True)
        # The terminal's text comes as calls, but only once it said it is ready.
        terminal = Boundary("terminal", lambda: TerminalPanel(run_id, execution, terminal_rate), deferred=True)
        attention = Boundary("attention", lambda: Attention(view))  # the tab's title, notifications, live region
    streaming.extend([header, cards, transcript])
    rest.extend([attention, approval, budget, timeline, artifacts, revisions, tests, terminal])
    # When the rest was last asked to be drawn. Nothing since `attach` awaited, so no flush came before this.
    drawn = view.last_change_seq
    draw([*rest, *streaming])

    def tick() -> None:
        if not view.finished:
            with calls.gathered():
                header.tick(view)
                cards.tick(view)

    ui.timer(1.0, tick)
    return True
