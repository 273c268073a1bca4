"""Server logging: one JSON object per line to `<data dir>/logs/botarmy.log` and stderr, never a secret.

Every record carries the run and the agent it was logged for (null where none is known), taken from context
variables when the record is created. On a terminal, stderr shows readable lines instead of JSON.
"""

import json
import logging
import re
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar, Token
from datetime import UTC, datetime
from logging.handlers import RotatingFileHandler
from pathlib import Path

# API keys of OpenAI and most compatible services, whatever configuration they came from, and BotArmy's own API
# tokens (core.users.accounts.TOKEN_PREFIX), should a client ever put one where a log line quotes it.
_KEY_PATTERN = re.compile(r"\b(?:(?:sk|rk|pk)-[A-Za-z0-9_\-]{8,}|bat_[A-Za-z0-9_\-]{16,})")
REDACTED = "[redacted]"
LOG_FILE = Path("logs") / "botarmy.log"
MAX_LOG_BYTES, LOG_BACKUPS = 10 * 1024 * 1024, 5
UVICORN_LOGGERS = ("uvicorn", "uvicorn.error", "uvicorn.access")

_run_id: ContextVar[str | None] = ContextVar("log_run_id", default=None)
_agent: ContextVar[str | None] = ContextVar("log_agent", default=None)


class Redactor:
    def __init__(self, secrets: list[str]) -> None:
        self.secrets = [secret for secret in secrets if secret and len(secret) >= 6]

    def __call__(self, text: str) -> str:
        for secret in self.secrets:
            text = text.replace(secret, REDACTED)
        return _KEY_PATTERN.sub(REDACTED, text)


def bind_log_context(*, run_id: str | None = None, agent: str | None = None) -> list[tuple[ContextVar, Token]]:
    """Tag what the current context logs from now on (for a task's own context); None keeps a field as it is."""
    return [(var, var.set(value)) for var, value in ((_run_id, run_id), (_agent, agent)) if value is not None]


@contextmanager
def log_context(*, run_id: str | None = None, agent: str | None = None) -> Iterator[None]:
    """Tag the records logged inside with this run and/or agent; a field left None keeps its outer value."""
    tokens = bind_log_context(run_id=run_id, agent=agent)
    try:
        yield
    finally:
        for var, token in reversed(tokens):
            var.reset(token)


_redact = Redactor([])
_make_record = logging.getLogRecordFactory()


def _redacted_record(*args, **kwargs) -> logging.LogRecord:
    record = _make_record(*args, **kwargs)
    record.msg, record.args = _redact(record.getMessage()), None
    if record.exc_info:
        record.exc_text = _redact(logging.Formatter().formatException(record.exc_info))
        record.exc_info = None
    record.run_id, record.agent = _run_id.get(), _agent.get()
    return record


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        ts = datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
        entry = {"ts": ts, "level": record.levelname, "logger": record.name, "message": record.getMessage(),
                 "run_id": getattr(record, "run_id", None), "agent": getattr(record, "agent", None)}
        if record.exc_text:
            entry["exc"] = record.exc_text
        return json.dumps(entry, ensure_ascii=False, default=str)


class HumanFormatter(logging.Formatter):
    """`time LEVEL logger [run agent] message`, for a person watching the terminal."""

    def format(self, record: logging.LogRecord) -> str:
        time = datetime.fromtimestamp(record.created).strftime("%H:%M:%S.%f")[:-3]
        tags = [tag for tag in (getattr(record, "run_id", None), getattr(record, "agent", None)) if tag]
        where = f" [{' '.join(tags)}]" if tags else ""
        line = f"{time} {record.levelname} {record.name}{where} {record.getMessage()}"
        return f"{line}\n{record.exc_text}" if record.exc_text else line


class StderrHandler(logging.StreamHandler):
    """Writes to whatever sys.stderr is at the time, as JSON unless it is a terminal."""

    def __init__(self) -> None:
        logging.Handler.__init__(self)  # no stream of its own: a replaced sys.stderr is honoured
        self.json, self.human = JsonFormatter(), HumanFormatter()

    @property
    def stream(self):
        return sys.stderr

    def format(self, record: logging.LogRecord) -> str:
        return (self.human if sys.stderr.isatty() else self.json).format(record)


def _file_handler(data_dir: Path) -> logging.Handler:
    path = data_dir / LOG_FILE
    path.parent.mkdir(parents=True, exist_ok=True)
    handler = RotatingFileHandler(path, maxBytes=MAX_LOG_BYTES, backupCount=LOG_BACKUPS, encoding="utf-8")
    handler.setFormatter(JsonFormatter())
    return handler


_handlers: list[logging.Handler] = []


def configure_logging(data_dir: Path, secrets: list[str]) -> Path:
    """Log to the data dir and stderr; returns the log file. Calling it again replaces the handlers it installed.

    Records are redacted as they are created, so no logger or handler (uvicorn's included) can leak a key.
    """
    global _redact
    _redact = Redactor(secrets)
    logging.setLogRecordFactory(_redacted_record)
    root = logging.getLogger()
    for handler in _handlers:
        root.removeHandler(handler)
        handler.close()
    _handlers[:] = [_file_handler(data_dir), StderrHandler()]
    for handler in _handlers:
        root.addHandler(handler)
    root.setLevel(logging.INFO)
    for name in UVICORN_LOGGERS:  # uvicorn's lines go through the same handlers, so stderr is all JSON
        uvicorn_logger = logging.getLogger(name)
        uvicorn_logger.handlers.clear()
        uvicorn_logger.propagate = True
    return data_dir / LOG_FILE


@contextmanager
def logging_unchanged() -> Iterator[None]:
    """Undo, on the way out, what the code inside did to logging (Prefect configures logging its own way when it is
    imported): the root logger's level and handlers are back, loggers that existed are as they were, and loggers
    that gained handlers of their own send their lines through the root's again, as JSON."""
    loggers = logging.root.manager.loggerDict
    root = logging.getLogger()
    level, handlers = root.level, list(root.handlers)
    before = {name: (list(logger.handlers), logger.propagate, logger.level)
              for name, logger in list(loggers.items()) if isinstance(logger, logging.Logger)}
    try:
        yield
    finally:
        root.setLevel(level)
        root.handlers[:] = handlers
        for name, logger in list(loggers.items()):
            if not isinstance(logger, logging.Logger):
                continue
            if name in before:
                logger.handlers[:], logger.propagate, logger.level = before[name]
            elif logger.handlers:
                logger.handlers.clear()
                logger.propagate = True
