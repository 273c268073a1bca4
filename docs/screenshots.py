"""The README's screenshots, taken from a real run in real Chromium: a run waiting for approval with its timeline,
on a desktop in the light and the dark scheme, and on a phone.

    python docs/screenshots.py     # writes docs/screenshots/{desktop-light,desktop-dark,phone}.png
"""

import sys
import tempfile
from pathlib import Path

from playwright.sync_api import expect, sync_playwright

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.support.browser import CHROMIUM, CHROMIUM_FLAGS  # noqa: E402
from tests.support.server import start_server  # noqa: E402

OUT = ROOT / "docs" / "screenshots"
# Approval after the Analyst and the Architect; the Architect's first call is rate limited, so the timeline shows a
# wait for the AI service as well as the wait for the user.
ENV = {"BOTARMY_DEMO_TOKEN_DELAY_MS": "2", "BOTARMY_APPROVALS": "analyst,architect",
       "BOTARMY_DEMO_FAULTS": "script:ok,429@2,ok"}


def main() -> None:
    OUT.mkdir(exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp, start_server(Path(tmp), ENV) as server, sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
        page = browser.new_context(viewport={"width": 1400, "height": 1250}, color_scheme="light").new_page()
        page.goto(server.url)
        page.get_by_test_id("example-0").click()
        page.get_by_test_id("start-run").click()
        page.wait_for_url("**/runs/*")
        status = page.get_by_test_id("run-status")
        expect(status).to_have_attribute("data-status", "waiting_approval", timeout=60_000)
        page.get_by_test_id("approve").click()
        expect(page.get_by_test_id("approval-panel")).to_have_attribute("data-agent", "architect", timeout=60_000)
        expect(status).to_have_attribute("data-status", "waiting_approval")
        page.wait_for_timeout(1500)  # the waits grow a little on the timeline; diagrams are drawn
        page.mouse.move(0, 0)
        page.screenshot(path=OUT / "desktop-light.png")

        scheme = page.get_by_test_id("scheme-toggle")
        scheme.click()
        expect(scheme).to_have_attribute("data-scheme", "dark")
        page.wait_for_timeout(500)
        page.screenshot(path=OUT / "desktop-dark.png")
        for _ in range(2):  # back to following the system
            scheme.click()

        page.set_viewport_size({"width": 390, "height": 844})
        page.reload()
        expect(status).to_have_attribute("data-status", "waiting_approval")
        page.wait_for_timeout(1000)
        page.screenshot(path=OUT / "phone.png")
        browser.close()
    for name in ("desktop-light", "desktop-dark", "phone"):
        print(OUT / f"{name}.png")


if __name__ == "__main__":
    main()
