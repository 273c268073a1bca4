"""The latency floor for bench/live_path.py: a bare NiceGUI label update, pushed at the pace of the tokens.

Mounted only with BOTARMY_BENCH_PAGES=1. The label carries the server's send time (Unix ms), so a browser can tell
how long the plainest possible push took to reach its DOM. `/bench/floor?interval_ms=10` pushes 100 times a second.
"""

import time

from nicegui import ui


def register_floor_page() -> None:
    @ui.page("/bench/floor")
    def floor(interval_ms: float = 10) -> None:
        label = ui.label("").props("data-testid=floor")
        ui.timer(max(0.001, interval_ms / 1000), lambda: label.set_text(f"{time.time() * 1000:.3f}"))
