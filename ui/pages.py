"""The pages: dashboard, one run, the run history, the account, and sign-in. Each page acts for the user of the
browser's session and shows only that user's runs.

A page that answers with a redirect instead of itself returns what `Redirects` makes: the web layer's HTTP
responses, so the UI imports no HTTP framework (NiceGUI gives each page its request: `ui.context.client.request`).
"""

from functools import partial
from typing import Any, Protocol

from nicegui import app, ui

from core.codebase.importing import ImportLimits
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


class Redirects(Protocol):
    """303 answers (core.web.access.PageRedirects)."""

    def to_sign_in(self, next_path: str) -> Any: ...

    def see_other(self, path: str) -> Any: ...


def register_pages(runs: RunService, live_runs: LiveRuns, identity: Identity, execution: TerminalCommands,
                   redirects: Redirects, terminal_rate: int, *, offline_demo: bool,
                   import_limits: ImportLimits = ImportLimits()) -> None:
    """`terminal_rate`: characters a second one tab's terminal receives at most; `import_limits`: what a zip of
    existing code may hold."""
    # Quasar's loading bar would flash up, unnamed, for the socket's own requests: it tells a user nothing here.
    app.config.quasar_config["loadingBar"]["skipHijack"] = True

    async def user_of_page() -> str | None:
        return await identity.for_page(ui.context.client.request.session)

    def to_sign_in() -> Any:
        url = ui.context.client.request.url
        return redirects.to_sign_in(url.path + (f"?{url.query}" if url.query else ""))

    @page("/")
    async def dashboard():
        if (user := await user_of_page()) is None:
            return to_sign_in()
        with frame("New run", offline_demo=offline_demo, passwords=identity.passwords):
            brief = brief_form(runs, user, import_limits)
            example_briefs(brief.set_value)
            latest = (await runs.queries.page(user, limit=SHOWN)).rows
            recent_runs(latest)
            if latest and latest[0].status not in TERMINAL_RUN_STATUSES:  # the latest run, while it is not over
                ui.label("Current run").classes("text-h6")
                await run_panel(latest[0].run_id, runs, live_runs, execution, terminal_rate)

    @page("/runs/{run_id}")
    async def run_page(run_id: str):
        if (user := await user_of_page()) is None:
            return to_sign_in()
        with frame("Run", offline_demo=offline_demo, passwords=identity.passwords):
            # Another user's run is as absent as one that never existed: same page, same 404.
            if await runs.queries.owned(run_id, user) is None or \
                    not await run_panel(run_id, runs, live_runs, execution, terminal_rate):
                not_found()

    @page("/runs")
    async def history():
        if (user := await user_of_page()) is None:
            return to_sign_in()
        with frame("History", offline_demo=offline_demo, passwords=identity.passwords):
            await RecentRunsChart(runs.queries, user).refresh()
            await History(runs, user).show()

    @page("/account")
    async def account():
        if (user := await user_of_page()) is None:
            return to_sign_in()
        with frame("Account", offline_demo=offline_demo, passwords=identity.passwords):
            await account_page(identity, user, str(ui.context.client.request.base_url).rstrip("/"))

    @page("/login")
    async def login(error: str = "", wait: int = 0, next: str = "/"):
        if not identity.passwords:
            return redirects.see_other("/")
        with frame("Sign in", offline_demo=offline_demo, passwords=False):
            login_page(error, wait, next)


def not_found() -> None:
    ui.context.client.status_code = 404
    with ui.card().classes("w-full").props("flat bordered data-testid=run-not-found"):
        ui.label("This run does not exist, or it was deleted.").classes("text-h6")
        ui.link("Start a new run", "/")
