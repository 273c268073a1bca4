"""Driving a page by keyboard alone: Tab (or Shift+Tab) until the wanted control has the focus, which must be
visible, then Enter, Space or typing."""

from playwright.sync_api import Page

# Where the target lies from the focused element: 1 after it, -1 before it, 0 focus is on or inside it.
_WHERE = """(id) => {
    const target = document.querySelector(`[data-testid="${id}"]`);
    const focused = document.activeElement;
    if (!target) return null;
    if (focused && (target.contains(focused) || focused.closest(`[data-testid="${id}"]`))) return 0;
    if (!focused || focused === document.body) return 1;
    return focused.compareDocumentPosition(target) & Node.DOCUMENT_POSITION_FOLLOWING ? 1 : -1;
}"""
# An outline, a ring around the focused field, or a box shadow: something a sighted keyboard user sees.
_FOCUS_SHOWN = """() => {
    const el = document.activeElement;
    const style = getComputedStyle(el);
    if (style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) >= 2) return true;
    const field = el.closest('.q-field--focused');
    return !!field && getComputedStyle(field.querySelector('.q-field__control')).boxShadow !== 'none';
}"""


_FOCUSED = """() => { const el = document.activeElement;
    return el ? `${el.tagName.toLowerCase()}${el.dataset.testid ? '=' + el.dataset.testid : ''}` : 'nothing'; }"""


def tab_to(page: Page, test_id: str, limit: int = 200) -> None:
    """Move the keyboard focus to the element with this test id (or into it), the way a user would."""
    path = []
    for _ in range(limit):
        where = page.evaluate(_WHERE, test_id)
        assert where is not None, f"no element {test_id!r} on the page"
        if where == 0:
            assert page.evaluate(_FOCUS_SHOWN), f"the keyboard focus on {test_id!r} is not visible"
            return
        path.append(page.evaluate(_FOCUSED))
        page.keyboard.press("Tab" if where > 0 else "Shift+Tab")
    raise AssertionError(f"{limit} presses of Tab did not reach {test_id!r}; the focus went {' → '.join(path)}")


def press(page: Page, test_id: str, key: str = "Enter") -> None:
    tab_to(page, test_id)
    page.keyboard.press(key)


def type_into(page: Page, test_id: str, text: str) -> None:
    tab_to(page, test_id)
    page.keyboard.press("Control+A")
    page.keyboard.type(text)
