"""The one step that reaches a package index: downloading the wheels a generated project declares, on the host.

Wheels only (`--only-binary=:all:`), so nothing of the packages runs while they are fetched; they are installed
later inside the sandbox, without network, from the folder they were downloaded to. pip gets a minimal
environment: its own settings (PIP_*), proxies and certificates, never the server's secrets.
"""

import os
import subprocess
import sys
from pathlib import Path

_PASSED_ON = ("HTTP_PROXY", "HTTPS_PROXY", "NO_PROXY", "http_proxy", "https_proxy", "no_proxy", "SSL_CERT_FILE",
              "SSL_CERT_DIR", "REQUESTS_CA_BUNDLE")


def download_wheels(requirements: list[str], into: Path, timeout_s: float = 300) -> str | None:
    """None once every wheel is in `into`; else what pip said went wrong, in its last line."""
    into.mkdir(parents=True, exist_ok=True)
    env = {"PATH": "/usr/bin:/bin", "HOME": str(into), "LANG": "C.UTF-8",
           **{name: value for name, value in os.environ.items() if name.startswith("PIP_") or name in _PASSED_ON}}
    try:
        done = subprocess.run(
            [sys.executable, "-m", "pip", "download", "--only-binary=:all:", "--no-input",
             "--disable-pip-version-check", "--dest", str(into), "--", *requirements],
            env=env, capture_output=True, text=True, timeout=timeout_s, check=False)
    except subprocess.TimeoutExpired:
        return f"the download took longer than {timeout_s:g} s"
    if done.returncode == 0:
        return None
    lines = [line.strip() for line in done.stderr.splitlines() if line.strip()]
    return (lines[-1] if lines else f"pip exited with code {done.returncode}")[:300]
