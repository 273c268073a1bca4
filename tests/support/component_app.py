"""BotArmy's client-side components alone in a NiceGUI app, for browser tests of what they do with what the server
sends them: `python -m tests.support.component_app PORT`.

/streaming: an answer that grows by a paragraph a click (`grow`), with its count of paragraphs beside it (a live
value), is sent again as a whole (`resend`; `remount`: and mounted afresh), or both with an append still on its way
(`race`). /calls: two probes that note the calls they get, in order (window.notes), and a flush of calls that
includes one that throws. /transcript: the run page's transcript, in the page's own styles, with three long finished
answers and one that streams: `100 tokens` sends it a hundred tokens, each on its own, and `complete` ends it.
/diff: the changes of three files as the run page shows them (ui.diff_view), one modified with hostile lines
(HTML, a script, a Vue template, a markdown fence), one added of 2,500 lines (more than a file shows), one added of
one line of 50,000 characters (longer than a line shows), one deleted;
`dark` switches the colour scheme. /stream?chars=N: an answer of N characters that goes on streaming a token every 10 ms (bench/live_path.py measures
what an update costs the browser at different lengths). The pages have the app's security headers and policy
(core.web.hardening), as the dashboard's do.
"""

import asyncio
import sys

from nicegui import app, ui
from nicegui.element import Element

from core.domain.files import changed_files
from core.domain.view import MessageView, RunView
from core.settings import Settings
from core.web.hardening import install_web_security
from ui.calls import Calls, call
from ui.diff_view import FileDiffs
from ui.live_value import LiveText
from ui.markdown import CODE_STYLE
from ui.streaming_markdown import StreamingMarkdown
from ui.theme import ASSETS, COLORS
from ui.transcript import Transcript


class Probe(Element, component="probe.js"):
    """Notes each call of `note` as [its test id, the value] in window.notes; `fail` throws."""


def paragraph(number: int) -> str:
    return f"Paragraph {number}.\n\n"


@ui.page("/streaming")
def streaming() -> None:
    calls = Calls()
    message = MessageView("message", "analyst", paragraph(1))
    body = StreamingMarkdown(message)
    counter = LiveText("1 paragraph").props("data-testid=counter")
    count = 1

    def add() -> None:
        nonlocal count
        count += 1
        message.add(paragraph(count))

    def grow() -> None:
        add()
        with calls.gathered():
            body.show()
            counter.set(f"{count} paragraphs")

    def remount() -> None:
        """Sent again with a new listener, which makes the browser mount the elements afresh from what they are sent."""
        body.on("noted", lambda: None)
        counter.on("noted", lambda: None)

    def race(send_again) -> None:
        """An append leaves, the element is sent again with more text before the append arrives, then one more."""
        grow()
        add()
        send_again()
        grow()

    ui.button("grow", on_click=grow)
    ui.button("resend", on_click=body.update)
    ui.button("remount", on_click=remount)
    ui.button("race", on_click=lambda: race(body.update))
    ui.button("race remounted", on_click=lambda: race(remount))


@ui.page("/calls")
def calls_page() -> None:
    calls = Calls()
    first = Probe().props("data-testid=first")
    second = Probe().props("data-testid=second")

    def flush() -> None:
        with calls.gathered():
            call(first, "note", 1)
            call(second, "note", 2)
            call(first, "fail")
            call(second, "note", 3)
            call(first, "note", 4)

    ui.button("flush", on_click=flush)
    ui.button("single", on_click=lambda: call(second, "note", "single"))


def long_answer(number: int) -> str:
    sections = [f"## Part {part}\n\nThe {number}. answer says more in part {part}. " * 3 for part in range(40)]
    code = f"```python\ndef answer():\n    return {number}\n```"
    return f"# Answer {number}\n\n{code}\n\n" + "\n\n".join(sections) + "\n\n"


@ui.page("/transcript")
def transcript_page() -> None:
    ui.add_css((ASSETS / "botarmy.css").read_text(encoding="utf-8"))
    ui.add_css(CODE_STYLE)
    streaming = MessageView("streaming", "developer", "# Streaming\n\nThe first block is finished.\n\n")
    view = RunView("run", messages=[MessageView(f"m{n}", "analyst", long_answer(n), complete=True)
                                    for n in range(3)] + [streaming])
    streamed(view, streaming, "100 tokens", [f"token{number} " for number in range(100)], 0.005, "\n\nThe end.")


def streamed(view: RunView, streaming: MessageView, label: str, pieces: list[str], delay_s: float,
             ending: str) -> None:
    """The transcript of `view`, and two buttons: `label` streams `pieces` into its message `streaming`, one update
    each; "complete" ends that message with `ending`."""
    transcript = Transcript()
    transcript.update(view)

    async def stream() -> None:
        for piece in pieces:
            streaming.add(piece)
            transcript.update(view)
            await asyncio.sleep(delay_s)

    def complete() -> None:
        streaming.add(ending)
        streaming.complete = True
        transcript.update(view)

    ui.button(label, on_click=stream)
    ui.button("complete", on_click=complete)


@ui.page("/code")
def code_page() -> None:
    """An answer whose code block streams line by line, hostile lines among them (not the one that would close it),
    then closes."""
    hostile = [line for line in HOSTILE_LINES if line != "```"]
    ui.add_css(CODE_STYLE)
    streaming = MessageView("streaming", "developer", "Here is the code:\n```python\n")
    lines = [hostile[number % len(hostile)] if number % 7 == 3 else f"def f{number}(): return {number}"
             for number in range(60)]
    streamed(RunView("run", messages=[streaming]), streaming, "lines",
             [piece for line in lines for piece in (line[:5], line[5:] + "\n")], 0.002, "```\n\nAfter the code.")


HOSTILE_LINES = ['<img src=x onerror="window.owned = 1">', "</div><script>window.owned = 2</script>",
                 "{{ window.owned = 3 }}", "```", "<b>bold?</b>"]
DIFF_BEFORE = {"app.py": b"def main():\n    return 1\n", "gone.txt": b"old\n"}
DIFF_AFTER = {"app.py": ("def main():\n" + "".join(f"    # {line}\n" for line in HOSTILE_LINES) +
                         "    return 2\n").encode(),
              "big.py": "".join(f"LINE_{number} = {number}\n" for number in range(2_500)).encode(),
              "min.js": b"x" * 50_000}
DIFF_COMMIT = {"app.py": b"def main():\n    return 3\n", "cli.py": b"print(1)\n"}


@ui.page("/diff", language="en")  # checked by axe: a language and the app's colours, as the app's pages have
def diff_page() -> None:
    ui.add_css((ASSETS / "botarmy.css").read_text(encoding="utf-8"))
    ui.colors(**COLORS)
    dark = ui.dark_mode(False)
    with ui.card().classes("w-full").props("flat bordered"), \
            ui.column().classes("w-full gap-2").props("data-testid=diff-view"):
        diffs = FileDiffs()
        diffs.show(changed_files(DIFF_BEFORE, DIFF_AFTER), DIFF_BEFORE, DIFF_AFTER, "/diff.txt")

    def commit() -> None:  # a later commit: one file more, one changed again, the others as they were
        after = DIFF_AFTER | DIFF_COMMIT
        diffs.show(changed_files(DIFF_BEFORE, after), DIFF_BEFORE, after, "/diff.txt")

    ui.button("dark", on_click=dark.enable)
    ui.button("commit", on_click=commit)


@ui.page("/stream")
def stream_page(chars: int = 1000) -> None:
    ui.add_css((ASSETS / "botarmy.css").read_text(encoding="utf-8"))
    ui.add_css(CODE_STYLE)
    calls = Calls()
    text = long_answer(0) * (chars // len(long_answer(0)) + 1)
    streaming = MessageView("streaming", "developer", text[:text.rindex("\n\n", 0, chars) + 2])
    view = RunView("run", messages=[streaming])
    transcript = Transcript()
    transcript.update(view)
    count = 0

    def token() -> None:
        nonlocal count
        count += 1
        streaming.add(f"word{count} " + ("\n\n" if count % 40 == 0 else ""))
        with calls.gathered():
            transcript.update(view)

    ui.timer(0.01, token)


if __name__ in {"__main__", "__mp_main__"}:
    app.config.quasar_config["loadingBar"]["skipHijack"] = True  # as ui.pages sets it: no unnamed bar for axe
    install_web_security(app, Settings())  # the components work under the app's policy and headers, as in the app
    ui.run(host="127.0.0.1", port=int(sys.argv[1]), show=False, reload=False, reconnect_timeout=10)
