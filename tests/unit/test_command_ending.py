"""How a command ended, judged from its exit alone: every way a process can end has its status, its reason and the
sentence the terminal shows."""

import signal

import pytest

from core.domain.status import CommandEnd, CommandStatus
from core.engine.execution.ending import WITH_RUN, WITH_SERVER, could_not_start, ended, judge, refused
from core.engine.execution.interfaces import CommandLimits
from core.sandbox.base import Exit

LIMITS = CommandLimits(log_bytes=32 << 20, wall_s=300)


@pytest.mark.parametrize(("exit", "status", "ending", "message"), [
    (Exit(0, None, 1.25), CommandStatus.PASSED, CommandEnd.EXITED, "Exited with code 0 after 1.2 s."),
    (Exit(1, None, 3), CommandStatus.FAILED, CommandEnd.EXITED, "Exited with code 1 after 3.0 s."),
    (Exit(130, None, 2, CommandEnd.INTERRUPTED), CommandStatus.INTERRUPTED, CommandEnd.INTERRUPTED,
     "Interrupted by you after 2.0 s."),
    (Exit(None, 9, 300, CommandEnd.TIME_LIMIT), CommandStatus.TIMEOUT, CommandEnd.TIME_LIMIT,
     "Stopped: it ran longer than the time limit of 300 s."),
    (Exit(None, 9, 4, CommandEnd.MEMORY_LIMIT), CommandStatus.FAILED, CommandEnd.MEMORY_LIMIT,
     "Stopped after 4.0 s: its processes used more memory than the limit allows."),
    (Exit(None, 9, 5, CommandEnd.OUTPUT_LIMIT), CommandStatus.FAILED, CommandEnd.OUTPUT_LIMIT,
     "Stopped after 5.0 s: it printed more than the output limit of 32 MB."),
    (Exit(None, signal.SIGXCPU, 6), CommandStatus.FAILED, CommandEnd.SIGNALLED,
     "Ended by SIGXCPU (its CPU time limit) after 6.0 s."),
    (Exit(None, signal.SIGXFSZ, 6), CommandStatus.FAILED, CommandEnd.SIGNALLED,
     "Ended by SIGXFSZ (its file size limit) after 6.0 s."),
    (Exit(None, signal.SIGSEGV, 6), CommandStatus.FAILED, CommandEnd.SIGNALLED,
     "Ended by SIGSEGV (a crash) after 6.0 s."),
    (Exit(None, signal.SIGABRT, 6), CommandStatus.FAILED, CommandEnd.SIGNALLED,
     "Ended by SIGABRT (an abort) after 6.0 s."),
    (Exit(None, signal.SIGTERM, 6), CommandStatus.FAILED, CommandEnd.SIGNALLED, "Ended by SIGTERM after 6.0 s."),
    # The shell's own report of a child killed by a signal: 128 + its number.
    (Exit(128 + signal.SIGKILL, None, 7), CommandStatus.FAILED, CommandEnd.SIGNALLED,
     "Ended by SIGKILL (a kill) after 7.0 s."),
    (Exit(128 + 35, None, 7), CommandStatus.FAILED, CommandEnd.EXITED, "Exited with code 163 after 7.0 s."),
    (Exit(255, None, 7), CommandStatus.FAILED, CommandEnd.EXITED, "Exited with code 255 after 7.0 s."),
])
def test_each_exit_is_judged_with_its_status_reason_and_sentence(exit, status, ending, message):
    assert judge(exit, LIMITS) == (status, ending, message)


def test_a_command_stopped_with_its_run_or_its_server_says_so_whatever_its_exit():
    assert judge(Exit(None, 9, 1, CommandEnd.CANCELLED), LIMITS) == WITH_RUN == (
        CommandStatus.INTERRUPTED, CommandEnd.CANCELLED, "Stopped: its run was cancelled, deleted or interrupted.")
    assert judge(Exit(0, None, 1, CommandEnd.SERVER_STOPPED), LIMITS) == WITH_SERVER == (
        CommandStatus.INTERRUPTED, CommandEnd.SERVER_STOPPED, "Stopped: the server stopped while this command ran.")


def test_the_limits_in_the_sentences_are_the_configured_ones():
    limits = CommandLimits(log_bytes=1 << 19, wall_s=2.5)
    assert judge(Exit(None, 9, 3, CommandEnd.TIME_LIMIT), limits).message == (
        "Stopped: it ran longer than the time limit of 2.5 s.")
    assert judge(Exit(None, 9, 3, CommandEnd.OUTPUT_LIMIT), limits).message == (
        "Stopped after 3.0 s: it printed more than the output limit of 0.5 MB.")


def test_a_command_that_never_started_is_refused_with_the_reason():
    assert refused("No sandbox here.") == (CommandStatus.REFUSED, CommandEnd.REFUSED, "No sandbox here.")
    assert could_not_start(PermissionError(13, "Permission denied")).message == (
        "The command could not start (Permission denied).")


def test_the_recorded_end_carries_the_judgement_and_the_figures():
    payload = ended("c" * 32, judge(Exit(1, None, 2), LIMITS), exit_code=1, seconds=2.3456, output_bytes=12)
    assert payload.model_dump() == {"command_id": "c" * 32, "status": "failed", "ending": "exited", "exit_code": 1,
                                    "duration_ms": 2345, "output_bytes": 12, "message": "Exited with code 1 after 2.0 s."}
