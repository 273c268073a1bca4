"""The shared page frame: header with navigation, colour scheme and notification switches, connection indicator,
and the demo-model notice."""

from contextlib import contextmanager
from pathlib import Path

from nicegui import ui
from nicegui.element import Element

from .markdown import CODE_STYLE
from .scope import Scope

ASSETS = Path(__file__).resolve().parent.parent / "assets"
_CSS = (ASSETS / "botarmy.css").read_text(encoding="utf-8")
_CONNECTION_JS = (ASSETS / "connection.js").read_text(encoding="utf-8")
_UTILITY_CLASSES_JS = (ASSETS / "utility_classes.js").read_text(encoding="utf-8")

# Quasar's brand colours that white text fell below WCAG AA contrast (4.5:1) on, darkened.
COLORS = {"primary": "#3949ab", "positive": "#2e7d32", "negative": "#c62828"}

# The colour scheme follows the system unless the user picked one; the choice lives in a cookie of this browser,
# so the page is drawn in it from the start.
SCHEME_COOKIE = "botarmy_scheme"
SCHEMES = {  # name: (Quasar's dark mode value, icon, what the switch says)
    "system": (None, "brightness_auto", "Colour scheme: follows your system. Switch to dark."),
    "dark": (True, "dark_mode", "Colour scheme: dark. Switch to light."),
    "light": (False, "light_mode", "Colour scheme: light. Switch to following your system."),
}
NEXT_SCHEME = {"system": "dark", "dark": "light", "light": "system"}
NOTIFY_OPT_IN = "botarmy-notifications"  # this browser's choice, in its localStorage: "on" or "off"
NOTIFY_LABELS = {
    "on": "Desktop notifications: on. Turn off.",
    "off": "Desktop notifications: off. Turn on to hear when a run needs you while this tab is hidden.",
    "blocked": "Desktop notifications are blocked for this site in your browser's settings.",
}


def title(words: str) -> str:
    return f"{words} — BotArmy"


def connection_indicator() -> None:
    with ui.element("div").classes("connection").props(
            'data-testid=connection-status data-state=reconnecting role=status aria-live=polite'):
        ui.element("span").classes("connection-dot")
        ui.label("Connecting…").classes("connection-label")


def sign_out_button() -> None:
    """A form post, like signing in: the session cookie is cleared by an ordinary HTTP response."""
    with ui.element("form").props("method=post action=/auth/logout"):
        ui.button("Sign out", icon="logout").props("type=submit flat dense color=white data-testid=sign-out")


class SchemeSwitch:
    """System → dark → light → system; the page changes at once and the browser remembers the choice."""

    def __init__(self) -> None:
        chosen = ui.context.client.request.cookies.get(SCHEME_COOKIE, "system")
        self.scheme = chosen if chosen in SCHEMES else "system"
        self.dark = ui.dark_mode(SCHEMES[self.scheme][0])
        self.button = ui.button(on_click=self.next).props("flat round dense color=white data-testid=scheme-toggle")
        self._show()

    def next(self) -> None:
        self.scheme = NEXT_SCHEME[self.scheme]
        self.dark.set_value(SCHEMES[self.scheme][0])
        ui.run_javascript(f'document.cookie = "{SCHEME_COOKIE}={self.scheme}; path=/; max-age=34560000; '
                          'samesite=lax"')
        self._show()

    def _show(self) -> None:
        _, icon, words = SCHEMES[self.scheme]
        self.button.props(f'icon={icon} data-scheme={self.scheme} aria-label="{words}" title="{words}"')


class NotifySwitch(Element, component="notify_switch.js"):
    """The bell: the browser asks the user once; the choice stays in this browser."""

    def __init__(self) -> None:
        super().__init__()
        self.props.update({"opt-in": NOTIFY_OPT_IN, "labels": NOTIFY_LABELS})


@contextmanager
def frame(words: str, *, offline_demo: bool, passwords: bool):
    """`passwords`: users sign in (BOTARMY_AUTH=password), so the header offers to sign out."""
    ui.page_title(title(words))
    ui.colors(**COLORS)
    ui.add_css(_CSS)
    ui.add_css(CODE_STYLE)
    ui.add_body_html(f"<script>{_CONNECTION_JS}</script>")
    ui.add_body_html(f"<script>{_UTILITY_CLASSES_JS}</script>")
    # The header and the page's content are scopes (ui/scope.py): a render of the page's frame leaves them alone.
    with ui.header().classes("items-center justify-between bg-indigo-9 q-px-md q-py-sm gap-y-1 wrap"), \
            Scope(contents=True):
        skip = ui.link("Skip to the page's content").classes("skip-link")
        with ui.element("nav").classes("row items-center gap-x-4 gap-y-1").props('aria-label=Main'):
            ui.link("BotArmy", "/").classes("text-h6 text-white no-underline")
            ui.link("New run", "/").classes("text-white")
            ui.link("History", "/runs").classes("text-white").props("data-testid=nav-history")
            ui.link("Account", "/account").classes("text-white").props("data-testid=nav-account")
        with ui.row().classes("items-center gap-1"):
            SchemeSwitch()
            NotifySwitch().props("data-testid=notify-toggle")
            if passwords:
                sign_out_button()
            connection_indicator()
    # Quasar's page is the <main> landmark; the skip link leads into it.
    with ui.element("div").classes("nicegui-column w-full max-w-screen-xl mx-auto q-pa-md gap-4") as main, \
            Scope(contents=True):
        if offline_demo:
            ui.label(
                "Offline demo model: no OPENAI_API_KEY is set, so the agents answer with built-in example "
                "output. Set OPENAI_API_KEY to use a real model."
            ).classes("demo-banner w-full").props("data-testid=demo-mode")
        yield
    skip.props(f"href=#{main.html_id}")
