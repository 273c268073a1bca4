"""The shared page frame: header with navigation, connection indicator and the demo-model notice."""

from contextlib import contextmanager
from pathlib import Path

from nicegui import ui

ASSETS = Path(__file__).resolve().parent.parent / "assets"
_CSS = (ASSETS / "botarmy.css").read_text(encoding="utf-8")
_CONNECTION_JS = (ASSETS / "connection.js").read_text(encoding="utf-8")


def connection_indicator() -> None:
    with ui.element("div").classes("connection").props(
            'data-testid=connection-status data-state=reconnecting role=status aria-live=polite'):
        ui.element("span").classes("connection-dot")
        ui.label("Connecting…").classes("connection-label")


def sign_out_button() -> None:
    """A form post, like signing in: the session cookie is cleared by an ordinary HTTP response."""
    with ui.element("form").props("method=post action=/auth/logout"):
        ui.button("Sign out", icon="logout").props("type=submit flat dense color=white data-testid=sign-out")


@contextmanager
def frame(title: str, *, offline_demo: bool, passwords: bool):
    """`passwords`: users sign in (BOTARMY_AUTH=password), so the header offers to sign out."""
    ui.page_title(f"{title} · BotArmy")
    ui.add_css(_CSS)
    ui.add_body_html(f"<script>{_CONNECTION_JS}</script>")
    with ui.header().classes("items-center justify-between bg-indigo-9 q-px-md q-py-sm"):
        with ui.row().classes("items-center gap-4"):
            ui.link("BotArmy", "/").classes("text-h6 text-white no-underline")
            ui.link("New run", "/").classes("text-white")
            ui.link("History", "/runs").classes("text-white").props("data-testid=nav-history")
            ui.link("Account", "/account").classes("text-white").props("data-testid=nav-account")
        with ui.row().classes("items-center gap-2"):
            if passwords:
                sign_out_button()
            connection_indicator()
    with ui.column().classes("w-full max-w-screen-xl mx-auto q-pa-md gap-4"):
        if offline_demo:
            ui.label(
                "Offline demo model: no OPENAI_API_KEY is set, so the agents answer with built-in example "
                "output. Set OPENAI_API_KEY to use a real model."
            ).classes("demo-banner w-full").props("data-testid=demo-mode")
        yield
