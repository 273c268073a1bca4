"""How a run ended, in the words every place that shows it uses: "Completed" only when the project's tests ran and
passed (or the user turned them off, which the words then say); otherwise what is missing.

The outcome is a pure function of the view. A run's status stays what the fold says (a pipeline that went to its
end is `completed`); the outcome tells what it delivered. The pipeline also records it in its RUN_FINISHED result,
which is how the history list learns it (core.domain.fold.summary_change).
"""

from enum import StrEnum

from .status import Missing, RunStatus, VerifyStatus
from .view import RunView, VerifyView


class RunOutcome(StrEnum):
    PASSED = "passed"  # the project's tests ran and passed
    TESTS_OFF = "tests_off"  # the user turned the tests off
    TESTS_FAILED = "tests_failed"
    NO_CODE = "no_code"  # the Developer's answers held no code, after the repair rounds
    NO_TESTS = "no_tests"  # the Tester's answers held no tests, after the repair rounds
    TESTS_NOT_RUN = "tests_not_run"  # the sandbox refused them, or they were stopped before a verdict
    BUDGET_STOPPED = "budget_stopped"  # the user stopped the run at its soft budget


LABELS = {
    RunOutcome.PASSED: "Completed",
    RunOutcome.TESTS_OFF: "Completed — tests turned off",
    RunOutcome.TESTS_FAILED: "Finished — tests failed",
    RunOutcome.NO_CODE: "Finished — no runnable code",
    RunOutcome.NO_TESTS: "Finished — no tests",
    RunOutcome.TESTS_NOT_RUN: "Finished — tests not run",
    RunOutcome.BUDGET_STOPPED: "Stopped at the budget",
}
# Said when the run ends, after its label.
SENTENCES = {
    RunOutcome.PASSED: "The project's tests ran and passed: every artifact is ready.",
    RunOutcome.TESTS_OFF: "Every artifact is ready; the project's tests were turned off for this run.",
    RunOutcome.TESTS_FAILED: "The project's tests failed.",
    RunOutcome.NO_CODE: "The Developer's answers held no runnable code, so nothing could be tested.",
    RunOutcome.NO_TESTS: "The Tester's answers held no tests, so the code is untested.",
    RunOutcome.TESTS_NOT_RUN: "The project's tests did not run.",
    RunOutcome.BUDGET_STOPPED: "You stopped the run at its budget; everything finished so far is kept.",
}
# Outcomes that are good news, for colours and the like.
GOOD = frozenset({RunOutcome.PASSED, RunOutcome.TESTS_OFF})


def outcome(view: RunView) -> RunOutcome | None:
    """The run's outcome; None while it works or waits, and for a run that failed, was cancelled or interrupted
    (its status says so), unless the user stopped it at its budget."""
    if view.status == RunStatus.CANCELLED and view.budget_stopped:
        return RunOutcome.BUDGET_STOPPED
    if view.status != RunStatus.COMPLETED:
        return None
    return of_verdict(view.verify, view.run_tests)


def of_verdict(verify: VerifyView | None, run_tests: bool = True) -> RunOutcome:
    """The outcome of a run that went to its end, by the verdict on its project's tests."""
    status = verify.status if verify is not None else None
    if status == VerifyStatus.PASSED:
        return RunOutcome.PASSED
    if status == VerifyStatus.FAILED:
        return RunOutcome.TESTS_FAILED
    if status == VerifyStatus.MISSING:
        return RunOutcome.NO_CODE if verify.missing == Missing.CODE else RunOutcome.NO_TESTS
    return RunOutcome.TESTS_NOT_RUN if run_tests else RunOutcome.TESTS_OFF


def of_row(status: RunStatus, recorded: RunOutcome | None, verdict: VerifyStatus | None) -> RunOutcome | None:
    """The outcome of a history row: the one recorded when the run ended; for a run that ended before outcomes were
    recorded, read from its status and its tests' verdict."""
    if recorded is not None or status != RunStatus.COMPLETED:
        return recorded
    return {VerifyStatus.PASSED: RunOutcome.PASSED, VerifyStatus.FAILED: RunOutcome.TESTS_FAILED}.get(
        verdict, RunOutcome.TESTS_NOT_RUN)
