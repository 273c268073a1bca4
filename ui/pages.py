"""The pages: dashboard, one run, the run history, the account, and sign-in. Each page acts for the user of the
browser's session and shows only that user's runs."""

from functools import partial
from urllib.parse import urlencode

from fastapi import Request
from fastapi.responses import RedirectResponse
from nicegui import app, ui

from core.domain.status import TERMINAL_RUN_STATUSES
from core.engine.commands import RunService
from core.engine.execution import TerminalCommands
from core.users.identity import Identity

from .account import account_page
from .brief_form import brief_form
from .examples import example_briefs
from .history import History
from .history_chart import RecentRunsChart
from .live import LiveRuns
from .login import login_page
from .recent_runs import SHOWN, recent_runs
from .run_panel import run_panel
from .theme import frame


# NiceGUI shows an error page when a page takes longer than its response timeout to build (3 s by default). A
# machine busy with many runs and tabs can take longer; the user should wait for the page, not read an error.
BUILD_TIMEOUT_S = 30
# `language` puts lang="en-US" on the page, for screen readers and browsers alike.
page = partial(ui.page, response_timeout=BUILD_TIMEOUT_S, language="en-US")


def register_pages(runs: RunService, live_runs: LiveRuns, identity: Identity, execution: TerminalCommands,
                   terminal_rate: int, *, offline_demo: bool) -> None:
    """`terminal_rate`: characters a second one tab's terminal receives at most."""
    # Quasar's loading bar would flash up, unnamed, for the socket's own requests: it tells a user nothing here.
    app.config.quasar_config["loadingBar"]["skipHijack"] = True

    async def user_of(request: Request) -> str | None:
        return await identity.for_page(request.session)

    def to_sign_in(request: Request) -> RedirectResponse:
        path = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        return RedirectResponse(f"/login?{urlencode({'next': path})}", status_code=303)

    @page("/")
    async def dashboard(request: Request):
        if (user := await user_of(request)) is None:
            return to_sign_in(request)
        with frame("New run", offline_demo=offline_demo, passwords=identity.passwords):
            brief = brief_form(runs, user)
            example_briefs(brief.set_value)
            latest = (await runs.queries.page(user, limit=SHOWN)).rows
            recent_runs(latest)
            if latest and latest[0].status not in TERMINAL_RUN_STATUSES:  # the latest run, while it is not over
                ui.label("Current run").classes("text-h6")
                await run_panel(latest[0].run_id, runs, live_runs, execution, terminal_rate)

    @page("/runs/{run_id}")
    async def run_page(request: Request, run_id: str):
        if (user := await user_of(request)) is None:
            return to_sign_in(request)
        with frame("Run", offline_demo=offline_demo, passwords=identity.passwords):
            # Another user's run is as absent as one that never existed: same page, same 404.
            if await runs.queries.owned(run_id, user) is None or \
                    not await run_panel(run_id, runs, live_runs, execution, terminal_rate):
                not_found()

    @page("/runs")
    async def history(request: Request):
        if (user := await user_of(request)) is None:
            return to_sign_in(request)
        with frame("History", offline_demo=offline_demo, passwords=identity.passwords):
            await RecentRunsChart(runs.queries, user).refresh()
            await History(runs, user).show()

    @page("/account")
    async def account(request: Request):
        if (user := await user_of(request)) is None:
            return to_sign_in(request)
        with frame("Account", offline_demo=offline_demo, passwords=identity.passwords):
            await account_page(identity, user, str(request.base_url).rstrip("/"))

    @page("/login")
    async def login(request: Request, error: str = "", wait: int = 0, next: str = "/"):
        if not identity.passwords:
            return RedirectResponse("/", status_code=303)
        with frame("Sign in", offline_demo=offline_demo, passwords=False):
            login_page(error, wait, next)


def not_found() -> None:
    ui.context.client.status_code = 404
    with ui.card().classes("w-full").props("flat bordered data-testid=run-not-found"):
        ui.label("This run does not exist, or it was deleted.").classes("text-h6")
        ui.link("Start a new run", "/")
