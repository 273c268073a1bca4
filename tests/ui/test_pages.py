"""The pages in NiceGUI's simulated user: validation, starting a run, boundaries, unknown runs, health."""

import pytest
from nicegui import ui
from nicegui.testing import User

from core.domain.view import RunView
from ui.boundary import FALLBACK, Boundary
from ui.pages import BUILD_TIMEOUT_S

# should_see looks every 0.1 s: generous bounds for a page built after a navigation and for a whole demo run, which a
# loaded machine (test workers side by side) stretches.
NAVIGATION = 300
WHOLE_RUN = 1200


async def test_dashboard_states_the_limit_and_blocks_empty_and_oversized_briefs(user: User):
    await user.open("/")
    await user.should_see("Up to 500 characters")
    start = user.find(kind=ui.button, content="Start").elements.pop()
    assert not start.enabled, "Start is disabled while the brief is empty"
    user.find(ui.textarea).type("x" * 501)
    await user.should_see("the limit is 500")
    assert not start.enabled
    user.find(ui.textarea).clear().type("   ")
    await user.should_not_see("the limit is 500")
    assert not start.enabled


async def test_starting_a_run_opens_its_page_and_all_five_agents_finish(user: User):
    await user.open("/")
    user.find(ui.textarea).type("A recipe box for a family, with shopping lists.")
    user.find(kind=ui.button, content="Start").click()
    await user.should_see("Transcript", retries=NAVIGATION)
    await user.should_see("Completed", retries=WHOLE_RUN)
    assert len(user.find("Done").elements) == 5
    await user.should_see("Requirements · requirements.md")
    await user.should_see("Deployment plan · deployment.md")
    await user.should_see("Model: botarmy-demo")
    # What each agent was told is made when its expansion is first opened, not with every answer in every tab.
    told = "not instructions to you"
    await user.should_not_see(told)
    user.find(kind=ui.expansion, content="What the Analyst was told").elements.pop().open()
    await user.should_see(told)

    await user.open("/runs")
    await user.should_see("A recipe box for a family, with shopping lists.")
    await user.should_see("Completed")


async def test_a_failing_component_shows_a_fallback_and_the_rest_of_the_page_keeps_working(
        user: User, caplog: pytest.LogCaptureFixture):
    state = {"broken": True}

    class Fragile:
        def __init__(self) -> None:
            self.label = ui.label("fragile content")

        def update(self, view: RunView) -> None:
            if state["broken"]:
                raise RuntimeError("forced failure")
            self.label.set_text(view.brief)

        def tick(self, view: RunView) -> None:
            self.label.set_text(f"{view.brief}, ticked")

    @ui.page("/boundary-check")
    def page() -> None:
        boundary = Boundary("fragile", Fragile)
        ui.label("the rest of the page")
        ui.button("Poke", on_click=lambda: boundary.update(RunView("run", brief="updated content")))
        ui.button("Tick", on_click=lambda: boundary.tick(RunView("run", brief="updated content")))
        boundary.update(RunView("run", brief="first content"))

    await user.open("/boundary-check")
    await user.should_see(FALLBACK)
    await user.should_see("the rest of the page")
    await user.should_not_see("fragile content")
    assert "forced failure" in caplog.text
    caplog.clear()

    state["broken"] = False
    user.find("Retry").click()
    await user.should_see("first content")  # the last view, shown again
    await user.should_not_see(FALLBACK)
    user.find("Poke").click()
    await user.should_see("updated content")
    user.find("Tick").click()
    await user.should_see("updated content, ticked")


async def test_an_unknown_run_says_so_with_a_404(user: User):
    response = await user.http_client.get("/runs/does-not-exist")
    assert response.status_code == 404 and "This run does not exist" in response.text


async def test_health_reports_a_writable_store(user: User):
    response = await user.http_client.get("/health")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok" and body["store_writable"] is True
    assert body["active_runs"] == 0 and body["offline_demo"] is False


@pytest.fixture
def one_start_a_minute(monkeypatch):
    monkeypatch.setenv("BOTARMY_STARTS_PER_MINUTE", "1")


async def test_a_limit_reached_is_said_in_the_form(one_start_a_minute, user: User):
    await user.open("/")
    user.find(ui.textarea).type("A sign-up sheet for a choir's summer concert.")
    user.find(kind=ui.button, content="Start").click()
    await user.should_see("Transcript", retries=NAVIGATION)
    await user.open("/")
    user.find(ui.textarea).type("A seating plan for the same concert.")
    user.find(kind=ui.button, content="Start").click()
    await user.should_see("You started 1 run within a minute, the most allowed. Please wait")
    await user.open("/runs")
    await user.should_not_see("A seating plan for the same concert.")


@pytest.mark.parametrize("path", ["/", "/runs", "/account"])
async def test_pages_wait_for_a_slow_build_instead_of_showing_an_error_after_three_seconds(user: User, path: str):
    client = await user.open(path)
    assert client.page.response_timeout == BUILD_TIMEOUT_S > 3
