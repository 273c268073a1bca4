"""Structured logs: JSON lines in the data dir and on stderr, tagged with run and agent, with every key redacted."""

import json
import logging
import os
import re
import sys

import pytest

from core.obs.logs import configure_logging, log_context

FAKE_KEY = "sk-test-0123456789abcdef"
SECRET = "my-own-secret-value"
API_TOKEN = "bat_0123456789abcdefghijklmnop"  # one of BotArmy's own (core.users)
log = logging.getLogger("test.logs")


@pytest.fixture(autouse=True)
def restore_logging():
    """configure_logging changes the process's logging: put it back, closing the handlers the test added."""
    root = logging.getLogger()
    factory, level, handlers = logging.getLogRecordFactory(), root.level, list(root.handlers)
    yield
    for handler in [h for h in root.handlers if h not in handlers]:
        root.removeHandler(handler)
        handler.close()
    logging.setLogRecordFactory(factory)
    root.setLevel(level)


def entries(path) -> list[dict]:
    return [json.loads(line) for line in path.read_text().splitlines()]


def test_every_line_is_json_tagged_with_run_and_agent_and_free_of_keys(tmp_path, capsys):
    path = configure_logging(tmp_path, [SECRET])
    log.info("outside any run")
    with log_context(run_id="run-1"):
        log.info("run starts")
        with log_context(agent="analyst"):
            log.info("calling with %s and %s", FAKE_KEY, SECRET)
            log.info("a client sent %s", API_TOKEN)
            try:
                raise ValueError(f"refused key {FAKE_KEY}")
            except ValueError:
                log.exception("the call failed")
        log.info("back in the run")

    assert path == tmp_path / "logs" / "botarmy.log"
    text = path.read_text()
    assert FAKE_KEY not in text and SECRET not in text and API_TOKEN not in text
    lines = entries(path)
    assert [(e["message"].split()[0], e["run_id"], e["agent"]) for e in lines] == [
        ("outside", None, None), ("run", "run-1", None), ("calling", "run-1", "analyst"),
        ("a", "run-1", "analyst"), ("the", "run-1", "analyst"), ("back", "run-1", None)]
    assert lines[2]["message"] == "calling with [redacted] and [redacted]"
    assert lines[3]["message"] == "a client sent [redacted]"
    failure = lines[4]
    assert failure["level"] == "ERROR" and failure["logger"] == "test.logs"
    assert "Traceback" in failure["exc"] and "ValueError: refused key [redacted]" in failure["exc"]
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", failure["ts"])
    assert "exc" not in lines[0]
    # stderr is no terminal under pytest: the same objects, one per line.
    assert [json.loads(line) for line in capsys.readouterr().err.splitlines()] == lines


def test_configuring_again_does_not_duplicate_lines(tmp_path, capsys):
    configure_logging(tmp_path, [])
    path = configure_logging(tmp_path, [])
    log.info("once")
    assert [e["message"] for e in entries(path)] == ["once"]
    assert capsys.readouterr().err.count('"once"') == 1


def test_uvicorn_lines_go_through_the_same_handlers(tmp_path, capsys):
    uvicorn_error = logging.getLogger("uvicorn.error")
    uvicorn_error.addHandler(logging.StreamHandler(sys.stdout))  # as uvicorn's own configuration would
    uvicorn_error.propagate = False
    path = configure_logging(tmp_path, [])
    uvicorn_error.error("bind failed for %s", FAKE_KEY)
    assert [(e["logger"], e["message"]) for e in entries(path)] == [("uvicorn.error", "bind failed for [redacted]")]
    captured = capsys.readouterr()
    assert captured.out == "" and json.loads(captured.err)["logger"] == "uvicorn.error"


def read_lines(fd: int, count: int) -> list[str]:
    """The first `count` lines a terminal shows; a terminal hands them over in pieces."""
    shown = b""
    while shown.count(b"\n") < count:
        shown += os.read(fd, 4096)
    return shown.decode().replace("\r\n", "\n").splitlines()


def test_a_terminal_gets_readable_lines(tmp_path, monkeypatch):
    controller, terminal = os.openpty()
    with os.fdopen(terminal, "w") as stderr:
        monkeypatch.setattr(sys, "stderr", stderr)
        configure_logging(tmp_path, [])
        with log_context(run_id="run-1", agent="tester"):
            log.warning("slow answer from %s", FAKE_KEY)
        log.info("idle")
        stderr.flush()
        shown = read_lines(controller, 2)
    os.close(controller)
    assert len(shown) == 2
    assert re.fullmatch(r"\d\d:\d\d:\d\d\.\d{3} WARNING test\.logs \[run-1 tester\] slow answer from \[redacted\]",
                        shown[0])
    assert re.fullmatch(r"\d\d:\d\d:\d\d\.\d{3} INFO test\.logs idle", shown[1])
