"""The transcript: each agent's answer streams in as rendered markdown."""

import hashlib
from dataclasses import dataclass

from nicegui import ui

from core.domain.status import MessageKind
from core.domain.view import MessageView, RunView, Step

from .expansion import filled_when_opened
from .following_scroll import FollowingScroll
from .props import set_prop
from .scope import Scope
from .streaming_markdown import StreamingMarkdown


class _Message:
    """Streams through StreamingMarkdown, which the browser finishes in place once the answer is complete."""

    def __init__(self, message: MessageView, title: str, step: Step | None = None) -> None:
        # In a scope of its own: the message's own changes (complete, its length) render it alone.
        with Scope(contents=True) as self.element, ui.element("div").classes("message w-full").props(
                f"data-testid=message data-agent={message.agent} data-complete=false") as self.box:
            ui.label(title).classes("text-overline text-primary")
            self.body = StreamingMarkdown(message)
            if step is not None:  # what the model was told, for whoever wants to know why it answered so
                self._prompt(message, title, step)
        self.complete = False

    @staticmethod
    def _prompt(message: MessageView, title: str, step: Step) -> None:
        """Its text is made when it is first opened: not for every answer in every tab of the run, most of which
        never open it."""
        def fill() -> None:
            ui.label(step.system_prompt).classes("whitespace-pre-wrap text-caption").props("data-testid=prompt-text")

        filled_when_opened(f"What the {title} was told ({step.model})", "description", fill).classes(
            "prompt-used w-full text-caption").props(
            f"dense data-testid=prompt-used data-agent={message.agent} data-model={step.model}")

    def update(self, message: MessageView) -> None:
        self.body.show()
        if message.complete and not self.complete:
            self.complete = True
            set_prop(self.box, "data-complete", "true")
            set_prop(self.box, "data-length", str(message.length))
            # A fingerprint of exactly the text shown, so anyone can check it against the stored artifact.
            set_prop(self.box, "data-sha256", hashlib.sha256(message.text.encode()).hexdigest())


@dataclass(frozen=True)
class _NoteStyle:
    testid: str
    heading: str  # with the agent's {title}
    heading_color: str
    text_classes: str = "whitespace-pre-wrap text-body2"


# The notes between answers: what was sent back to an agent, or refused, and why.
_NOTES = {
    # The user's request for changes, between the answer it refers to and the agent's new answer.
    MessageKind.FEEDBACK: _NoteStyle("feedback-note", "You asked the {title} for changes", "text-orange-9"),
    # The project's failing tests, sent back to the agent that fixes the code.
    MessageKind.TEST_FAILURE: _NoteStyle("fix-request", "The tests failed: the {title} fixes the code", "text-red-9",
                                         "whitespace-pre-wrap text-body2 font-mono"),
    # What the agent's answer lacked, sent back to it with the form to send it in (a repair round).
    MessageKind.REPAIR: _NoteStyle("repair-request", "The {title}'s answer lacked what it must deliver: asked again",
                                   "text-deep-orange-10"),
    # The user's edit of an answer at an approval that did not fit the files: not applied, and why.
    MessageKind.EDIT_REFUSED: _NoteStyle("edit-refused", "Your edit of the {title}'s answer was not applied",
                                         "text-red-9"),
}


class _Note:
    def __init__(self, message: MessageView, title: str) -> None:
        style = _NOTES[message.kind]
        with ui.element("div").classes("feedback-note w-full").props(
                f"data-testid={style.testid} data-agent={message.agent}") as self.element:
            ui.label(style.heading.format(title=title)).classes(f"text-overline {style.heading_color}")
            ui.label(message.text).classes(style.text_classes)

    def update(self, message: MessageView) -> None:
        """A note never changes."""


class Transcript:
    def __init__(self) -> None:
        with FollowingScroll("Transcript").classes("transcript-scroll w-full"), \
                ui.column().classes("transcript w-full gap-3").props("data-testid=transcript") as self.column:
            self.placeholder = ui.label("The agents' answers will stream in here.").classes("text-grey-6")
        self.messages: dict[str, _Message | _Note] = {}

    def update(self, view: RunView) -> None:
        current = {message.message_id for message in view.messages}
        for message_id in [m for m in self.messages if m not in current]:  # a broken attempt, voided
            self.messages.pop(message_id).element.delete()
        for message in view.messages:
            shown = self.messages.get(message.message_id)
            if shown is None:
                if self.placeholder is not None:
                    self.placeholder.delete()
                    self.placeholder = None
                agent = view.agents.get(message.agent)
                title = agent.title if agent else ""
                with self.column:
                    if message.kind in _NOTES:
                        shown = _Note(message, title)
                    else:
                        shown = _Message(message, title, view.steps.get(message.subagent_run_id or ""))
                    self.messages[message.message_id] = shown
            shown.update(message)
