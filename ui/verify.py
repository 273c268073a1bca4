"""The verdict on the project's tests: a card above the terminal and a badge in the run header."""

from nicegui import ui

from core.domain.status import Missing, VerifyStatus
from core.domain.view import RunView, VerifyView

from . import status
from .props import set_prop, set_text

LABELS = {VerifyStatus.PENDING: "Tests not run yet", VerifyStatus.RUNNING: "Running the tests…",
          VerifyStatus.PASSED: "Tests passed", VerifyStatus.FAILED: "Tests failed",
          VerifyStatus.MISSING: "Code or tests missing", VerifyStatus.SKIPPED: "Tests not run"}
MISSING_TITLES = {Missing.CODE: "No code to test", Missing.TESTS: "No tests to run"}
COLORS = {VerifyStatus.PENDING: "grey-6", VerifyStatus.RUNNING: "primary", VerifyStatus.PASSED: "positive",
          VerifyStatus.FAILED: "negative", VerifyStatus.MISSING: "red-9", VerifyStatus.SKIPPED: "grey-7"}
ICONS = {VerifyStatus.PENDING: "schedule", VerifyStatus.RUNNING: "hourglass_top", VerifyStatus.PASSED: "check_circle",
         VerifyStatus.FAILED: "cancel", VerifyStatus.MISSING: "report", VerifyStatus.SKIPPED: "block"}
WAITING = "The project's tests run in the sandbox once the Tester is done."


def title(verify: VerifyView) -> str:
    if verify.status == VerifyStatus.MISSING and verify.missing is not None:
        return MISSING_TITLES[verify.missing]
    return LABELS[verify.status]


def counts(verify: VerifyView) -> str:
    took = f" · {status.duration(verify.duration_ms)}" if verify.duration_ms else ""
    fixes = f" · after {verify.fixes} fix{'es' if verify.fixes != 1 else ''}" if verify.fixes else ""
    return f"{verify.passed} passed · {verify.failed} failed · {verify.errors} errors{took}{fixes}"


class VerifyCard:
    def __init__(self) -> None:
        with ui.row().classes("verify-card w-full items-center gap-3 no-wrap").props(
                "data-testid=verify-status data-status=pending data-passed=0 data-failed=0 data-errors=0") as self.card:
            self.icon = ui.icon(ICONS[VerifyStatus.PENDING], size="sm", color=COLORS[VerifyStatus.PENDING])
            with ui.column().classes("gap-0 grow"):
                self.title = ui.label(LABELS[VerifyStatus.PENDING]).classes("text-subtitle2")
                self.summary = ui.label(WAITING).classes("text-caption text-grey-8")
            self.counts = ui.label("").classes("text-caption text-grey-8").props("data-testid=verify-counts")

    def update(self, view: RunView) -> None:
        verify = view.verify or VerifyView()
        for key, value in (("data-status", verify.status), ("data-passed", str(verify.passed)),
                           ("data-failed", str(verify.failed)), ("data-errors", str(verify.errors))):
            set_prop(self.card, key, value)
        if self.icon.name != ICONS[verify.status]:
            self.icon.name = ICONS[verify.status]
        set_prop(self.icon, "color", COLORS[verify.status])
        set_text(self.title, title(verify))
        set_text(self.summary, verify.summary or WAITING)
        set_text(self.counts, counts(verify) if verify.status in (VerifyStatus.PASSED, VerifyStatus.FAILED) else "")


class VerifyBadge:
    """In the run header, once the tests ran."""

    def __init__(self) -> None:
        self.badge = ui.badge("", color=COLORS[VerifyStatus.PENDING]).props(
            "data-testid=verify-badge data-status=pending").classes("text-body2 q-px-sm")
        self.badge.set_visibility(False)

    def update(self, verify: VerifyView | None) -> None:
        if verify is None:
            return
        self.badge.set_visibility(True)
        set_prop(self.badge, "data-status", verify.status)
        set_prop(self.badge, "color", COLORS[verify.status])
        text = title(verify)
        if verify.status in (VerifyStatus.PASSED, VerifyStatus.FAILED):
            text += f" ({verify.passed}/{verify.passed + verify.failed + verify.errors})"
        set_text(self.badge, text)
