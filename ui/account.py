"""The account page: who you are to BotArmy, and your API tokens (create one, shown once; revoke)."""

from nicegui import ui

from core.users.identity import Identity

from . import status
from .clipboard import copy_to_clipboard


async def account_page(identity: Identity, user_id: str, base_url: str) -> None:
    named = await identity.user(user_id)
    with ui.card().classes("w-full gap-2").props("flat bordered data-testid=account-identity"):
        ui.label("Account").classes("text-h6")
        if named is not None:
            ui.label(f"Signed in as {named.name}.").props("data-testid=account-name")
        else:
            ui.label("This browser is your identity here: your runs belong to it, and nobody else sees them. "
                     "Clearing this site's cookies starts a new, empty identity; to reach your runs from a "
                     "script, create an API token below.").classes("text-body2")
    await TokenList(identity, user_id, base_url).show()


class TokenList:
    def __init__(self, identity: Identity, user_id: str, base_url: str) -> None:
        self.identity, self.user_id, self.base_url = identity, user_id, base_url
        with ui.card().classes("w-full gap-2").props("flat bordered data-testid=api-tokens"):
            ui.label("API tokens").classes("text-h6")
            ui.label("A token lets a script or an AG-UI client act as you: send it as "
                     "`Authorization: Bearer <token>`. Keep it secret; revoke it when it is no longer needed."
                     ).classes("text-body2 text-grey-8")
            with ui.row().classes("items-center gap-2"):
                self.label = ui.input("Label", placeholder="e.g. laptop script").props(
                    "outlined dense maxlength=60 data-testid=token-label").classes("w-64")
                ui.button("Create token", icon="key", on_click=self.create).props(
                    "unelevated data-testid=create-token data-requires-connection")
            self.rows = ui.column().classes("w-full gap-1")
        self.dialogs = ui.element("div")

    async def show(self) -> None:
        tokens = await self.identity.tokens(self.user_id)
        self.rows.clear()
        with self.rows:
            if not tokens:
                ui.label("No tokens yet.").classes("text-grey-6").props("data-testid=no-tokens")
            for token in tokens:
                used = f"last used {status.moment(token.last_used_ms)}" if token.last_used_ms else "never used"
                with ui.row().classes("w-full items-center gap-3").props(
                        f"data-testid=token-row data-token-id={token.token_id}"):
                    ui.label(token.label).classes("text-weight-medium")
                    ui.label(f"{token.hint} · created {status.moment(token.created_ms)} · {used}").classes(
                        "text-caption text-grey-7")
                    ui.space()
                    ui.button("Revoke", icon="block", on_click=lambda t=token.token_id: self.revoke(t)).props(
                        "flat dense color=negative data-testid=revoke-token")

    async def create(self) -> None:
        secret = await self.identity.create_token(self.user_id, self.label.value)
        self.label.value = ""
        await self.show()
        with self.dialogs, ui.dialog(value=True) as dialog, ui.card().classes("w-full max-w-2xl gap-2").props(
                "data-testid=token-dialog"):
            ui.label("Your new API token").classes("text-h6")
            ui.label("Copy it now: it is shown only this once, and BotArmy keeps only a fingerprint of it.").classes(
                "text-body2")
            ui.input(value=secret).props("readonly outlined dense data-testid=new-token").classes(
                "w-full font-mono")
            ui.code(f"curl -s {self.base_url}/api/runs -H 'Authorization: Bearer {secret}'",
                    language="bash").classes("w-full")
            with ui.row().classes("w-full justify-end"):
                ui.button("Copy", icon="content_copy", on_click=lambda: copy_to_clipboard(secret)).props("flat")
                ui.button("Done", on_click=dialog.close).props("unelevated data-testid=token-done")
        dialog.on("hide", dialog.delete)

    async def revoke(self, token_id: str) -> None:
        if await self.identity.revoke_token(self.user_id, token_id):
            ui.notify("Token revoked: it no longer works.")
        await self.show()
