"""Real Chromium (Debian's, never a downloaded one) driven by Playwright against a real server process."""

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, sync_playwright

from tests.support.browser import CHROMIUM, CHROMIUM_FLAGS, screenshots_if_failed
from tests.support.server import UNPACED


def pytest_collection_modifyitems(items):
    for item in items:
        if _is_e2e(item):
            item.add_marker(pytest.mark.e2e)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    report = yield
    setattr(item, f"report_{report.when}", report)
    return report


class _Chromium:
    """One browser for the e2e files a worker runs one after another: each launch costs about 0.9 s of CPU (Playwright's
    driver and Chromium's processes). It is closed as soon as the next test is not an e2e test: sync Playwright keeps
    an event loop running in this thread, which the async tests of other files cannot share."""

    def __init__(self) -> None:
        self.playwright = None
        self.browser: Browser | None = None

    def get(self) -> Browser:
        if self.browser is not None and not self.browser.is_connected():  # one crash fails one test, not the rest
            self.close()
        if self.browser is None:
            self.playwright = sync_playwright().start()
            self.browser = self.playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS,
                                                           headless=True)
        return self.browser

    def close(self) -> None:
        if self.browser is not None:
            if self.browser.is_connected():
                self.browser.close()
            self.playwright.stop()
            self.browser = self.playwright = None


_chromium = _Chromium()


def _is_e2e(item: pytest.Item | None) -> bool:
    return item is not None and "tests/e2e/" in str(item.fspath).replace("\\", "/")


@pytest.hookimpl(wrapper=True)
def pytest_runtest_teardown(item, nextitem):
    """After the test's own fixtures are torn down: the browser goes when the e2e tests do."""
    result = yield
    if not _is_e2e(nextitem):
        _chromium.close()
    return result


@pytest.fixture
def browser() -> Browser:
    return _chromium.get()


PACED = {"BOTARMY_DEMO_TOKEN_DELAY_MS": "4"}


@pytest.fixture
def server(app_server):
    """The app in offline demo mode, paced so that a run lasts long enough to act on it mid-stream, for the tests
    that do (shared by them, each browser profile a user of its own: see `app_server`)."""
    return app_server(PACED)


@pytest.fixture
def fast_server(app_server):
    """The app in offline demo mode, unpaced (a run in ~1.2 s instead of ~8 s), for a test that only needs a run
    finished, or none: the session's server that the API tests share, so usually no extra process."""
    return app_server(UNPACED)


@pytest.fixture
def pages(browser, request):
    """Open pages as tabs of one browser, which BotArmy knows as one user; `user=` opens them in another browser
    profile (its own cookies), which is another user. On failure each page is saved as a screenshot under
    tests/artifacts/."""
    profiles: dict[str, BrowserContext] = {}
    opened: list[Page] = []

    def open_page(url: str, user: str = "me", init_script: str | None = None, **context) -> Page:
        """`context`: Playwright's options for this user's profile when it is made (bypass_csp, color_scheme, …),
        and a script that runs in each of its pages before theirs."""
        if user not in profiles:
            profiles[user] = browser.new_context(**{"viewport": {"width": 1400, "height": 1000}, **context})
            if init_script:
                profiles[user].add_init_script(init_script)
        page = profiles[user].new_page()
        page.goto(url)
        opened.append(page)
        return page

    yield open_page
    screenshots_if_failed(request.node, opened)
    for profile in profiles.values():
        profile.close()

