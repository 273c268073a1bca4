"""axe-core, the accessibility checker, from npm (pinned by the committed lock file, installed on first use) and run
inside a page. The pages' CSP lets no injected script run, so the page must come from a context made with
`bypass_csp=True`."""

from functools import cache
from pathlib import Path

from playwright.sync_api import Page

from tests.support.npm import installed

AXE_DIR = Path(__file__).resolve().parent / "axe"
BLOCKING = ("serious", "critical")
# Transitions that are under way (colours fading to a new scheme) end first: axe judges the page as it settles, not
# a colour halfway. Endless animations (a spinner, the typing dots) have no end to wait for.
_SETTLED = """async () => await Promise.all(document.getAnimations()
    .filter((a) => a.effect?.getComputedTiming().iterations !== Infinity).map((a) => a.finished.catch(() => null)))"""


@cache
def axe_source() -> str:
    folder = installed(AXE_DIR, "axe-core", "to install axe-core for the accessibility tests")
    return (folder / "node_modules" / "axe-core" / "axe.min.js").read_text(encoding="utf-8")


def serious_violations(page: Page) -> list[str]:
    """axe's serious and critical findings on the page as it is now, one line per element."""
    if not page.evaluate("() => typeof window.axe === 'object'"):
        page.add_script_tag(content=axe_source())
    page.evaluate(_SETTLED)
    found = page.evaluate("async () => (await axe.run(document, {resultTypes: ['violations']})).violations")
    return [f"{rule['id']} ({rule['impact']}) at {node['target']}: {' '.join(node['failureSummary'].split())}"
            for rule in found if rule["impact"] in BLOCKING for node in rule["nodes"]]


def assert_accessible(page: Page, where: str) -> None:
    violations = serious_violations(page)
    assert not violations, f"axe-core on {where}:\n" + "\n".join(violations)
