"""Server logging: plain lines with run and agent ids where known, and never a secret."""

import logging
import re

# API keys of OpenAI and most compatible services, whatever configuration they came from.
_KEY_PATTERN = re.compile(r"\b(sk|rk|pk)-[A-Za-z0-9_\-]{8,}")
REDACTED = "[redacted]"


class Redactor:
    def __init__(self, secrets: list[str]) -> None:
        self.secrets = [secret for secret in secrets if secret and len(secret) >= 6]

    def __call__(self, text: str) -> str:
        for secret in self.secrets:
            text = text.replace(secret, REDACTED)
        return _KEY_PATTERN.sub(REDACTED, text)


_redact = Redactor([])
_make_record = logging.getLogRecordFactory()


def _redacted_record(*args, **kwargs) -> logging.LogRecord:
    record = _make_record(*args, **kwargs)
    record.msg, record.args = _redact(record.getMessage()), None
    if record.exc_info:
        record.exc_text = _redact(logging.Formatter().formatException(record.exc_info))
        record.exc_info = None
    return record


def configure_logging(secrets: list[str]) -> None:
    """Redact every record as it is created, so no logger or handler (uvicorn's included) can leak a key."""
    global _redact
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    _redact = Redactor(secrets)
    logging.setLogRecordFactory(_redacted_record)
