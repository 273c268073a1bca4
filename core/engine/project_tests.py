"""The project's tests, run in the sandbox after the Tester, with the verdict recorded as events (VERIFY_STARTED,
the test command's own events, VERIFY_FINISHED).

A project that declares third-party packages gets a virtual environment in its workspace first: the wheels are
downloaded on the host (the one step that reaches a package index; BOTARMY_INSTALL_PACKAGES=false turns it off)
and installed inside the sandbox, without network. What cannot be installed is named in the verdict.
"""

import asyncio
import shlex

from core.domain.custom import VerifyFinished, VerifyStarted, custom
from core.domain.packages import DECLARING, declared, missing
from core.domain.project import project_files
from core.domain.status import CommandEnd, CommandStatus, Missing, VerifyStatus
from core.domain.team import Team
from core.sandbox.packages import download_wheels
from core.domain.verdict import (
    NO_TESTS,
    NO_TESTS_YET,
    STOPPED_BY_USER,
    TESTS_STOPPED,
    failed_sentence,
    passed_sentence,
    pytest_counts,
    tail,
)

from .context import RunContext
from .execution import ProjectCommands, Ran

TEST_COMMAND = "python -m pytest -q"
# The server's own pytest plugins are not the project's: they would only slow its tests down and warn.
TEST_ENV = {"PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1"}
NO_TESTS_COLLECTED = 5  # pytest's exit code when it found no tests
WHEELS = "/wheels"  # where the sandbox sees the downloaded packages
# The venv sees the sandbox's own packages (pytest) and gets pip from them too.
INSTALL_COMMAND = ("python -m venv --without-pip --system-site-packages .venv && .venv/bin/python -m pip install "
                   f"--no-index --find-links {WHEELS} --disable-pip-version-check --no-input -- {{packages}}")


class ProjectTests:
    def __init__(self, commands: ProjectCommands, team: Team, install_packages: bool = True) -> None:
        self.commands, self.team, self.install_packages = commands, team, install_packages

    async def run(self, run: RunContext, round: int) -> None:
        """Run the tests once; the verdict ends up in `run.view.verify`."""
        await run.emit(custom(VerifyStarted(round=round)))
        files = project_files(run.view, self.team)
        if not any(_is_test(path) for path in files):
            await run.emit(custom(VerifyFinished(status=VerifyStatus.MISSING, missing=Missing.TESTS,
                                                 summary=NO_TESTS_YET)))
            return
        if problem := await self._install(run, files):
            await run.emit(custom(VerifyFinished(status=VerifyStatus.FAILED, summary=problem)))
            return
        ran = await self.commands.run_to_end(run.run_id, TEST_COMMAND, emit=run.emit, view=run.view, env=TEST_ENV)
        await run.emit(custom(verdict(ran)))

    async def _install(self, run: RunContext, files: dict[str, bytes]) -> str | None:
        """Install the packages the project declares and lacks; None, or why the tests cannot run, naming them."""
        requirements, refused = declared({path: data.decode(errors="replace") for path, data in files.items()
                                          if path in DECLARING})
        if refused:
            return ("The project declares requirements BotArmy does not install (only packages of the package "
                    f"index, by name and version): {', '.join(refused)}.")
        lacking = [str(requirement) for requirement in missing(requirements)]
        if not lacking:
            return None
        names = ", ".join(lacking)
        if not self.install_packages:
            return (f"The project needs packages that are not installed here: {names}. Installing packages is "
                    "turned off (BOTARMY_INSTALL_PACKAGES=false).")
        wheels = self.commands.wheels(run.run_id)
        if reason := await asyncio.to_thread(download_wheels, lacking, wheels):
            return f"The project needs packages that could not be downloaded: {names} ({reason})."
        ran = await self.commands.run_to_end(
            run.run_id, INSTALL_COMMAND.format(packages=" ".join(shlex.quote(name) for name in lacking)),
            emit=run.emit, view=run.view, read_only={WHEELS: wheels})
        if ran.status != CommandStatus.PASSED:
            return f"The project needs packages that could not be installed: {names}. {ran.message}"
        return None


def verdict(ran: Ran) -> VerifyFinished:
    counts = pytest_counts(ran.tail)
    found = {"passed": counts.passed, "failed": counts.failed, "errors": counts.errors} if counts else {}
    done = {"command_id": ran.command_id, "duration_ms": int(ran.seconds * 1000), "output_tail": tail(ran.tail),
            **found}
    if ran.status == CommandStatus.REFUSED:
        return VerifyFinished(status=VerifyStatus.SKIPPED, summary=ran.message, **done)
    if ran.ending == CommandEnd.INTERRUPTED:
        return VerifyFinished(status=VerifyStatus.SKIPPED, summary=STOPPED_BY_USER, **done)
    if ran.ending in (CommandEnd.CANCELLED, CommandEnd.SERVER_STOPPED):
        return VerifyFinished(status=VerifyStatus.SKIPPED, summary=TESTS_STOPPED, conclusive=False, **done)
    if ran.exit_code == 0:
        return VerifyFinished(status=VerifyStatus.PASSED, summary=passed_sentence(counts), **done)
    if ran.exit_code == NO_TESTS_COLLECTED:
        return VerifyFinished(status=VerifyStatus.MISSING, missing=Missing.TESTS, summary=NO_TESTS, **done)
    return VerifyFinished(status=VerifyStatus.FAILED, summary=failed_sentence(counts, ran.message), **done)


def _is_test(path: str) -> bool:
    name = path.rsplit("/", 1)[-1]
    return name.endswith(".py") and (name.startswith("test_") or name.endswith("_test.py"))
