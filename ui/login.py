"""The sign-in page (BOTARMY_AUTH=password): a plain HTML form posted to /auth/login, so the session cookie is set
by an ordinary HTTP response and signing in works even before the page's socket connects."""

from nicegui import ui

from core.users.identity import safe_next

MESSAGES = {
    "wrong": "The user name or the password is not right.",
    "cross-site": "Please sign in from this page: the sign-in came from another site.",
}


def sign_in_problem(error: str, wait: int) -> str:
    if error == "throttled":
        return f"Too many failed sign-ins. Please try again in {max(1, wait)} s."
    return MESSAGES.get(error, "")


def login_page(error: str, wait: int, next_path: str) -> None:
    with ui.card().classes("w-full max-w-sm self-center gap-3").props("flat bordered"):
        ui.label("Sign in to BotArmy").classes("text-h6")
        with ui.element("form").classes("w-full column gap-3").props(
                "method=post action=/auth/login data-testid=login-form"):
            ui.input("User name").classes("w-full").props(
                "name=username autocomplete=username autofocus outlined data-testid=login-name")
            ui.input("Password", password=True).classes("w-full").props(
                "name=password autocomplete=current-password outlined data-testid=login-password")
            following = ui.element("input").props("type=hidden name=next")
            following.props["value"] = safe_next(next_path)  # set as a value, never parsed as props
            ui.button("Sign in", icon="login").props("type=submit unelevated data-testid=login-submit")
        if problem := sign_in_problem(error, wait):
            ui.label(problem).classes("text-negative text-body2").props("data-testid=login-error role=alert")
        ui.label("Accounts are added on the server: python main.py users add NAME").classes(
            "text-caption text-grey-7")
