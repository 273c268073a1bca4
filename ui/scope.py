"""A part of the page that the browser renders on its own (scope.js).

NiceGUI renders a page's elements with one render function down to the first component, and Vue renders a
component again whenever its parent renders (NiceGUI passes its children as slots, which Vue cannot tell unchanged).
So one element that changed anywhere outside a component made every tab render the whole page again, every card,
button and expansion in it: each agent starting or finishing cost a tab 60–230 ms. Inside a scope, a change renders
that scope and what is in it, and nothing around it; and a render around the scope leaves what is in it alone,
unless the scope's own element changed (a child added or removed), which its `token` tells the browser: a new
object each time the element is sent.
"""

from nicegui.element import Element


class Scope(Element, component="scope.js"):
    """A `div` whose contents render apart from the rest of the page. `contents=True` makes it take no box of its own
    (CSS `display: contents`), so wrapping an element in one changes no layout. `deferred=True` renders its contents
    after the page's first mount, in a task of their own: for what receives no method calls (a call to an element
    not yet mounted is lost) and need not be in the page's first frame."""

    def __init__(self, *, contents: bool = False, deferred: bool = False) -> None:
        super().__init__()
        self.props["token"] = {}
        if deferred:
            self.props["deferred"] = True
        if contents:
            self.classes("scope-contents")
