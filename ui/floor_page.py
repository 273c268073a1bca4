"""The latency floor for bench/live_path.py: a bare NiceGUI label update, pushed 20 times a second.

Mounted only with BOTARMY_BENCH_PAGES=1. The label carries the server's send time, so a browser can tell how
long the plainest possible push took to reach its DOM.
"""

import time

from nicegui import ui


def register_floor_page() -> None:
    @ui.page("/bench/floor")
    def floor() -> None:
        label = ui.label("").props("data-testid=floor")
        ui.timer(0.05, lambda: label.set_text(f"{time.time() * 1000:.1f}"))
