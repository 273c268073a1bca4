"""The verify stage: once the Tester's work is done, the project's tests run in the sandbox; when they fail, the
agent that wrote the code gets their output as a request for changes and revises it (at most `rounds` times), and
they run again. Tests turned off for the run, or code or tests that the agents' answers still lacked after their
repair rounds, are a verdict of their own, without running anything."""

from collections.abc import Awaitable, Callable
from typing import Protocol

from core.domain.custom import FixRequested, VerifyFinished, custom
from core.domain.status import Missing, VerifyStatus
from core.domain.view import RunView
from core.engine.context import RunContext

from .roles import Role

FIX_REQUEST = """The project's tests failed when BotArmy ran them in its sandbox: {summary}
Fix the code so that they pass; the tests are the Tester's and stay as they are.

The end of the test output:

~~~text
{tail}
~~~"""
TESTS_OFF = "The project's tests are turned off for this run."
NO_TEST_RUNNER = "This server runs no project tests."
NO_CODE = "The {title}'s answer held no code, so there is nothing to test."
NO_TESTS = "The {title}'s answer held no tests, so the code is untested."


class ProjectTests(Protocol):
    async def run(self, run: RunContext, round: int) -> None:
        """Run the project's tests once; the verdict ends up in `run.view.verify`."""


# Runs one agent (with a label naming the invocation); False when the run had to stop (its budget).
Work = Callable[[Role, str], Awaitable[bool]]


def needs_verdict(view: RunView) -> bool:
    verify = view.verify
    return verify is None or verify.stale or verify.status in (VerifyStatus.PENDING, VerifyStatus.RUNNING)


def _lacking(view: RunView, fixer: Role, tester: Role) -> VerifyFinished | None:
    """The verdict when the code or the tests are still missing after the agents' repair rounds."""
    for role, what, sentence in ((fixer, Missing.CODE, NO_CODE), (tester, Missing.TESTS, NO_TESTS)):
        agent = view.agents.get(role.name)
        if agent is not None and agent.missing:
            return VerifyFinished(status=VerifyStatus.MISSING, missing=what,
                                  summary=sentence.format(title=role.title))
    return None


async def verify_and_fix(run: RunContext, tests: ProjectTests | None, fixer: Role, tester: Role, work: Work,
                         rounds: int) -> bool:
    """Test, and fix while the tests fail and rounds are left; False when the run had to stop. Tests the run turned
    off, or none to run them with (`tests` None), are a verdict that says so."""
    view = run.view
    while needs_verdict(view):
        if tests is None or not view.run_tests:
            summary = TESTS_OFF if not view.run_tests else NO_TEST_RUNNER
            await run.emit(custom(VerifyFinished(status=VerifyStatus.SKIPPED, summary=summary)))
            return True
        if (lacking := _lacking(view, fixer, tester)) is not None:
            await run.emit(custom(lacking))
            return True
        await tests.run(run, view.verify.fixes if view.verify is not None else 0)
        verify = view.verify
        if verify.status != VerifyStatus.FAILED or verify.fixes >= rounds:
            return True
        fix = verify.fixes + 1
        await run.emit(custom(FixRequested(agent=fixer.name, round=fix, feedback=FIX_REQUEST.format(
            summary=verify.summary, tail=verify.output_tail or "(no output)"))))
        if not await work(fixer, f"{view.segments}-fix{fix}"):
            return False
        if fixer.name not in view.artifacts:  # it failed for good: the run ends saying so
            return True
    return True
