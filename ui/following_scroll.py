"""A scrolling box that follows new content while the reader is at its end and keeps their place once they scroll
up (following_scroll.js); reachable by keyboard, named for screen readers."""

from nicegui.element import Element


class FollowingScroll(Element, component="following_scroll.js"):
    def __init__(self, label: str) -> None:
        super().__init__()
        self.props["label"] = label
