"""Which files never reach the model: binary files (NUL bytes, or not UTF-8) and secrets files (keys, `.env`)."""

import fnmatch
import re
from enum import StrEnum
from pathlib import PurePosixPath

# Names of files that hold credentials by convention, matched against the file's name in lower case.
SECRET_NAMES = (
    ".env", ".env.*", "*.env", "*.pem", "*.key", "*.p12", "*.pfx", "*.jks", "*.keystore", "*.kdbx", "*.ppk",
    "id_rsa*", "id_dsa*", "id_ecdsa*", "id_ed25519*", ".netrc", ".pgpass", ".pypirc", ".npmrc", ".htpasswd",
    ".git-credentials", "credentials", "credentials.*", "secrets.json", "secrets.yaml", "secrets.yml",
    "secrets.toml", "*service-account*.json",
)
_PRIVATE_KEY = re.compile(rb"-----BEGIN [A-Z0-9 ]*PRIVATE KEY-----")


class Withheld(StrEnum):
    BINARY = "binary"
    SECRET = "secret"


def text_of(data: bytes) -> str | None:
    """The file's text, or None for a binary file."""
    if b"\0" in data:
        return None
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return None


def is_secret(path: str, data: bytes) -> bool:
    name = PurePosixPath(path).name.lower()
    return any(fnmatch.fnmatchcase(name, pattern) for pattern in SECRET_NAMES) or bool(_PRIVATE_KEY.search(data))


def withheld(path: str, data: bytes) -> Withheld | None:
    """Why the model must never see this file, or None when it may."""
    if is_secret(path, data):
        return Withheld.SECRET
    if text_of(data) is None:
        return Withheld.BINARY
    return None
