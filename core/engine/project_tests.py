"""The project's tests, run in the sandbox after the Tester, with the verdict recorded as events (VERIFY_STARTED,
the test command's own events, VERIFY_FINISHED)."""

from core.domain.custom import VerifyFinished, VerifyStarted, custom
from core.domain.project import project_files
from core.domain.status import CommandEnd, CommandStatus, VerifyStatus
from core.domain.team import Team
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
from .execution import ExecutionService, Ran

TEST_COMMAND = "python -m pytest -q"
# The server's own pytest plugins are not the project's: they would only slow its tests down and warn.
TEST_ENV = {"PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1"}
NO_TESTS_COLLECTED = 5  # pytest's exit code when it found no tests


class ProjectTests:
    def __init__(self, execution: ExecutionService, team: Team) -> None:
        self.execution, self.team = execution, team

    async def run(self, run: RunContext, round: int) -> None:
        """Run the tests once; the verdict ends up in `run.view.verify`."""
        await run.emit(custom(VerifyStarted(round=round)))
        if not any(_is_test(path) for path in project_files(run.view, self.team)):
            await run.emit(custom(VerifyFinished(status=VerifyStatus.SKIPPED, summary=NO_TESTS_YET)))
            return
        ran = await self.execution.run_to_end(run.run_id, TEST_COMMAND, emit=run.emit, view=run.view, env=TEST_ENV)
        await run.emit(custom(verdict(ran)))


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
        return VerifyFinished(status=VerifyStatus.SKIPPED, summary=NO_TESTS, **done)
    return VerifyFinished(status=VerifyStatus.FAILED, summary=failed_sentence(counts, ran.message), **done)


def _is_test(path: str) -> bool:
    name = path.rsplit("/", 1)[-1]
    return name.endswith(".py") and (name.startswith("test_") or name.endswith("_test.py"))
