"""The server's renderer of model markdown: hostile HTML comes out as readable text, never as markup."""

import html
import re
from html.parser import HTMLParser

import markdown2
import pytest

from core.demo.content import AGENTS as ROLES, demo_answer
from core.demo.hostile import PAYLOADS, hostile_block
from ui.model_html import EXTRAS, render

# Markdown-syntax vectors beyond the demo's block: forms the two renderers' parsers read differently, and more
# spellings of a script scheme.
MORE_PAYLOADS = (
    '![spaced attribute injection](x" onerror="window.__pwned=1)',
    '[quote breakout](https://example.com/"onmouseover="window.__pwned=1)',
    "[newline entity](java&#10;script:window.__pwned=1)",
    "[null entity](java&#0;script:window.__pwned=1)",
    "[hex colon](javascript&#x3a;window.__pwned=1)",
    "[upper data](DATA:text/html,<script>window.__pwned=1</script>)",
    "[vb upper](VBScript:msgbox(1))",
    "[ref data][d]\n\n[d]: data:text/html;base64,PHNjcmlwdD4=",
    "[ref after][later]\n\n[later]: javascript:window.__pwned=1",
    '<a href="javascript:window.__pwned=1">[markdown inside html](https://example.com)</a>',
    "<a<b> href=javascript:window.__pwned=1>nested anchor</a>",
    "<IMG SRC=JaVaScRiPt:window.__pwned=1>",
    '<img src="x` `<script>window.__pwned=1</script>"` `>',
    "<!--<img src=x onerror=window.__pwned=1>-->",
    "- [ ] <img src=x onerror=window.__pwned=1>\n- [x] [done](javascript:window.__pwned=1)",
    "> <script>window.__pwned=1</script>\n> [quoted](javascript:window.__pwned=1)",
    "# <img src=x onerror=window.__pwned=1> heading",
)
ALLOWED_TAGS = {"a", "blockquote", "br", "code", "del", "div", "em", "h1", "h2", "h3", "h4", "h5", "h6", "hr",
                "img", "li", "ol", "p", "pre", "s", "span", "strong", "table", "tbody", "td", "th", "thead", "tr",
                "ul"}
SAFE_SCHEMES = {"http", "https", "mailto"}


class Parsed(HTMLParser):
    """Tags, attributes and the text a browser would show for some HTML."""

    def __init__(self, markup: str) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.text = ""
        self.feed(markup)
        self.close()

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))

    def handle_data(self, data):
        self.text += data


def scheme(url: str) -> str | None:
    """The scheme a browser would see: entities decoded, whitespace and control characters inside it dropped."""
    cleaned = re.sub(r"[\s\x00-\x1f\x7f-\x9f]", "", html.unescape(url))
    match = re.match(r"([a-z][a-z0-9+.-]*):", cleaned, re.IGNORECASE)
    return match.group(1).lower() if match else None


def assert_inert(markup: str) -> None:
    for tag, attrs in Parsed(markup).tags:
        assert tag in ALLOWED_TAGS, f"<{tag}> in {markup!r}"
        for name, value in attrs.items():
            assert not name.startswith("on"), f"{name} on <{tag}> in {markup!r}"
            assert name not in {"style", "id", "name", "srcset"}, f"{name} on <{tag}> in {markup!r}"
            if name in {"href", "src"}:
                assert scheme(value or "") in {None, *SAFE_SCHEMES}, f'{name}="{value}" in {markup!r}'


def words(text: str) -> str:
    return " ".join(text.split())


@pytest.mark.parametrize("payload", PAYLOADS + MORE_PAYLOADS)
def test_a_hostile_payload_renders_to_inert_html(payload):
    assert_inert(render(payload))


@pytest.mark.parametrize("payload", [p for p in PAYLOADS if p.startswith("<")])
def test_raw_html_is_shown_as_the_text_the_model_wrote(payload):
    assert words(payload) in words(Parsed(render(payload)).text)


@pytest.mark.parametrize("payload", [p for p in PAYLOADS + MORE_PAYLOADS if p.startswith("[")])
def test_a_refused_link_keeps_its_text_and_loses_its_target(payload):
    shown = Parsed(render(payload))
    label = re.search(r"\[([^\]]+)\][(\[]", payload).group(1)
    assert label in shown.text
    assert all("href" not in attrs for tag, attrs in shown.tags if tag == "a"), render(payload)


def test_the_whole_hostile_block_is_inert_and_echoes_the_brief_as_text():
    brief = "A <img src=x onerror=window.__pwned=1> tracker for </script><script>window.__pwned=1</script> teams"
    markup = render(hostile_block(brief))
    assert_inert(markup)
    assert words(brief) in words(Parsed(markup).text)
    assert "<script>window.__pwned=1</script>" in Parsed(markup).text


def test_safe_links_keep_their_targets():
    markup = render("[web](https://example.com/a?b=1&c=2) [plain](http://example.com) [mail](mailto:a@example.com) "
                    "[relative](/runs) [up](../x) [anchor](#goals) <https://example.com/auto>")
    links = [attrs.get("href") for tag, attrs in Parsed(markup).tags if tag == "a"]
    assert links == ["https://example.com/a?b=1&c=2", "http://example.com", "mailto:a@example.com", "/runs", "../x",
                     "#goals", "https://example.com/auto"]


def test_images_come_only_from_this_site():
    markup = render("![own](/static/logo.png) ![remote](https://example.com/pixel.png?run=1) "
                    "![protocol relative](//example.com/pixel.png) ![mixed slashes](/\\example.com/pixel.png)")
    assert [attrs.get("src") for tag, attrs in Parsed(markup).tags if tag == "img"] == ["/static/logo.png", None,
                                                                                          None, None]


def test_task_lists_show_glyphs_not_form_controls():
    shown = Parsed(render("- [ ] open\n- [x] done\n"))
    assert "input" not in {tag for tag, _ in shown.tags}
    assert "☐ open" in shown.text and "☑ done" in shown.text


def test_a_mermaid_diagram_reaches_the_browser_as_its_source_text():
    source = 'flowchart LR\n    A["<img src=x onerror=window.__pwned=1>"] --> B\n    click A href "javascript:x"'
    markup = render(f"```mermaid\n{source}\n```\n")
    assert_inert(markup)
    assert ("div", {"class": "mermaid"}) in Parsed(markup).tags
    assert source in Parsed(markup).text


class Tokens(HTMLParser):
    def __init__(self, markup: str) -> None:
        super().__init__(convert_charrefs=True)
        self.tokens: list[tuple] = []
        self.feed(markup)
        self.close()

    def handle_starttag(self, tag, attrs):
        self.tokens.append(("start", tag, tuple(sorted(attrs))))

    def handle_endtag(self, tag):
        self.tokens.append(("end", tag))

    def handle_data(self, data):
        self.tokens.append(("data", data))


@pytest.mark.parametrize("role", ROLES)
def test_the_demo_answers_render_exactly_as_plain_markdown2_renders_them(role):
    """The demo model writes no raw HTML, so safety changes nothing in its answers but the task-list boxes."""
    answer = demo_answer(role, "A small web app where volunteers track which park benches need repair.")
    plain = markdown2.markdown(answer, extras=EXTRAS)
    plain = plain.replace('<input type="checkbox" class="task-list-item-checkbox" disabled>',
                          '<span class="task-box">☐</span>')
    assert Tokens(render(answer)).tokens == Tokens(plain).tokens
