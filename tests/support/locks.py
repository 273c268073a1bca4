"""A lock across processes: the test workers of one session (pytest-xdist), or two sessions of one checkout."""

import fcntl
import hashlib
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


@contextmanager
def held(what: Path) -> Iterator[None]:
    """Hold the lock of `what` (a folder or file) while the block runs; the lock file lives outside the checkout."""
    digest = hashlib.sha256(str(what.resolve()).encode()).hexdigest()[:16]
    with open(Path(tempfile.gettempdir()) / f"botarmy-tests-{digest}.lock", "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)
