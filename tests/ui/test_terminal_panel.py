"""The run page's tests and terminal in NiceGUI's simulated user, where the sandbox is missing or turned off: the
page says so plainly, and a command is refused or runs as the setting says."""

import pytest
from nicegui import ui
from nicegui.testing import User

from core.domain.outcome import LABELS, RunOutcome
from core.sandbox.bubblewrap import NOT_INSTALLED
from ui.terminal import UNSANDBOXED


async def finished_run(user: User, brief: str, ended: RunOutcome = RunOutcome.PASSED) -> None:
    await user.open("/")
    user.find(ui.textarea).type(brief)
    user.find(kind=ui.button, content="Start").click()
    await user.should_see(LABELS[ended], retries=300)


@pytest.fixture
def no_bubblewrap(monkeypatch):
    monkeypatch.setenv("BOTARMY_BWRAP", "/nonexistent/bwrap")


async def test_without_bubblewrap_commands_are_refused_with_how_to_enable_it(no_bubblewrap, user: User):
    await finished_run(user, "A rota for a community garden.", RunOutcome.TESTS_NOT_RUN)  # the sandbox refused them
    await user.should_see(NOT_INSTALLED)
    await user.should_see("Tests not run")
    user.find(marker="command-input").type("pytest -q")
    user.find(marker="run-command").click()
    await user.should_see("Refused: " + NOT_INSTALLED)


@pytest.fixture
def no_sandbox(monkeypatch):
    monkeypatch.setenv("BOTARMY_SANDBOX", "none")


async def test_without_a_sandbox_the_page_says_so_and_commands_run_on_the_host(no_sandbox, user: User):
    await finished_run(user, "A booking sheet for a pottery kiln.")
    await user.should_see(UNSANDBOXED)
    await user.should_see("Tests passed")
    user.find(marker="command-input").type("echo $LANG")
    user.find(marker="run-command").click()
    await user.should_see("Passed: Exited with code 0", retries=100)
