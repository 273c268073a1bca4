"""Model markdown to HTML on the server, as untrusted text: raw HTML is shown escaped, never interpreted.

markdown2 in escape mode turns the model's HTML into text and unsafe link targets into "#"; nh3 (the Ammonia
sanitizer) then keeps only the tags, attributes, classes and URL schemes that markdown itself produces, so the
gaps in markdown2's escaping (`javascript&#x3a;` passes as a relative link, `<scr<script>ipt>` leaves a raw tag)
cannot reach the page either. The browser sanitizes once more (model_content/index.js), and the streaming
renderer (streaming_markdown.js) shows HTML as text the same way, so an answer does not change when it completes.
"""

import re
import threading
from collections import OrderedDict

import markdown2
import nh3
from pygments.token import STANDARD_TYPES

EXTRAS = ["fenced-code-blocks", "tables", "mermaid", "cuddled-lists", "strike", "task_list"]

_TAGS = {"a", "blockquote", "br", "code", "del", "div", "em", "h1", "h2", "h3", "h4", "h5", "h6", "hr", "img",
         "li", "ol", "p", "pre", "s", "span", "strong", "table", "tbody", "td", "th", "thead", "tr", "ul"}
_ATTRIBUTES = {"a": {"href", "title"}, "img": {"src", "alt", "title"}, "ol": {"start"}, "*": {"class"}}
_SCHEMES = {"http", "https", "mailto"}
# An image from another site would tell that site that someone opened this run (the page's CSP blocks it too).
_OTHER_SITE = re.compile(r"(?:[a-z][a-z0-9+.-]*:|[\\/]{2})", re.IGNORECASE)
# Classes markdown2 emits: pygments' token classes, code and diagram blocks, and our task-list boxes. Any other
# class could borrow the page's own styles (Quasar's `fixed-full`, say) to lay text over the app.
_CLASSES = {name for name in STANDARD_TYPES.values() if name} | {"codehilite", "mermaid", "mermaid-pre", "task-box"}
# markdown2's task-list checkboxes become glyphs: form controls are not allowed in model content at all.
_TASK_BOXES = {'<input type="checkbox" class="task-list-item-checkbox" disabled>': '<span class="task-box">☐</span>',
               '<input type="checkbox" class="task-list-item-checkbox" checked disabled>':
                   '<span class="task-box">☑</span>'}
# markdown2 leaves a "<" followed by a letter as it is where it sees no tag it knows (`<scr<script>ipt>`), which the
# browser would read as a tag. A tag that markdown does not emit can only be the model's text, so it is escaped:
# readable, and shown as the streaming renderer shows it.
_STRAY_TAG = re.compile(r"<(?!/?(?:%s)[\s/>])" % "|".join(sorted(_TAGS, key=len, reverse=True)))


_CACHE_SIZE = 1000
_cache: OrderedDict[str, str] = OrderedDict()  # the most recently used last
_cache_lock = threading.Lock()  # rendered in worker threads and on the event loop


def render(markdown: str) -> str:
    """Safe HTML for the model's markdown; cached, as the same answer is rendered for every tab."""
    with _cache_lock:
        if (html := _cache.get(markdown)) is not None:
            _cache.move_to_end(markdown)
            return html
    html = _render(markdown)
    with _cache_lock:
        _cache[markdown] = html
        if len(_cache) > _CACHE_SIZE:
            _cache.popitem(last=False)
    return html


def is_rendered(markdown: str) -> bool:
    """Whether `render` would answer from its cache."""
    return markdown in _cache


def _render(markdown: str) -> str:
    html = markdown2.markdown(markdown, extras=EXTRAS, safe_mode="escape")
    for box, glyph in _TASK_BOXES.items():
        html = html.replace(box, glyph)
    html = _STRAY_TAG.sub("&lt;", html)
    return nh3.clean(html, tags=_TAGS, attributes=_ATTRIBUTES, attribute_filter=_allowed, url_schemes=_SCHEMES,
                     link_rel=None)


def _allowed(tag: str, attribute: str, value: str) -> str | None:
    if attribute == "class":
        return " ".join(name for name in value.split() if name in _CLASSES) or None
    if tag == "a" and attribute == "href" and value == "#":
        return None  # markdown2's stand-in for a link target it refused: the text stays, the link goes
    if attribute == "src" and _OTHER_SITE.match(re.sub(r"[\s\x00-\x1f]", "", value)):
        return None
    return value
