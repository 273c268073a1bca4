"""The transcript: each agent's answer streams in as rendered markdown."""

from nicegui import ui

from core.fold import MessageView, RunView

from .markdown import markdown, streaming_view
from .props import set_prop


class _Message:
    def __init__(self, message: MessageView, title: str) -> None:
        with ui.element("div").classes("message w-full").props(
                f"data-testid=message data-agent={message.agent} data-complete=false") as self.element:
            ui.label(title).classes("text-overline text-primary")
            self.body = markdown()
        self.text = ""

    def update(self, message: MessageView) -> None:
        shown = message.text if message.complete else streaming_view(message.text)
        if shown != self.text:
            self.text = shown
            self.body.set_content(shown)
        set_prop(self.element, "data-complete", "true" if message.complete else "false")


class Transcript:
    def __init__(self) -> None:
        with ui.element("div").classes("transcript-scroll w-full"), \
                ui.column().classes("transcript w-full gap-3").props("data-testid=transcript") as self.column:
            self.placeholder = ui.label("The agents' answers will stream in here.").classes("text-grey-6")
        self.messages: dict[str, _Message] = {}

    def update(self, view: RunView) -> None:
        for message in view.messages:
            shown = self.messages.get(message.message_id)
            if shown is None:
                if self.placeholder is not None:
                    self.placeholder.delete()
                    self.placeholder = None
                agent = view.agents.get(message.agent)
                with self.column:
                    shown = self.messages[message.message_id] = _Message(message, agent.title if agent else "")
            shown.update(message)
