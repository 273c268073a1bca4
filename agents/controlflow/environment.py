"""Where ControlFlow and Prefect keep their state, and what they must not do, set before either is imported.

Everything they write goes under `<data dir>/controlflow`; nothing goes to the home directory (Prefect's ~/.prefect,
ControlFlow's ~/.controlflow) or to a shared cache. Telemetry is off, in the client and in the server.
"""

import os
from pathlib import Path


def controlflow_home(data_dir: Path) -> Path:
    return data_dir.resolve() / "controlflow"


def controlflow_environment(data_dir: Path, prefect_api_url: str) -> dict[str, str]:
    home = controlflow_home(data_dir)
    return {
        "PREFECT_HOME": str(home / "prefect"),  # its database, profiles and settings
        "PREFECT_API_URL": prefect_api_url,  # our own server process (prefect_server.py), never an ephemeral one
        "PREFECT_SERVER_ALLOW_EPHEMERAL_MODE": "false",
        "PREFECT_API_BLOCKS_REGISTER_ON_START": "false",  # ControlFlow uses no blocks; they double the start-up
        "DO_NOT_TRACK": "1",  # Prefect's client-side telemetry
        "PREFECT_SERVER_ANALYTICS_ENABLED": "false",  # and the server's
        "PREFECT_CLOUD_ENABLE_ORCHESTRATION_TELEMETRY": "false",
        "PREFECT_TELEMETRY_ENABLE_RESOURCE_METRICS": "false",
        "PREFECT_LOGGING_TO_API_ENABLED": "false",  # our log is the one log
        "PREFECT_LOGGING_LEVEL": "WARNING",
        "PREFECT_UI_ENABLED": "false",
        "CONTROLFLOW_HOME_PATH": str(home / "home"),
        "CONTROLFLOW_ENABLE_DEFAULT_PRINT_HANDLER": "false",  # it would print every token to the console
        "CONTROLFLOW_LOG_LEVEL": "WARNING",
        # ControlFlow's token counting is patched (task.py), so tiktoken never needs an encoding; should anything
        # else ask for one, its download would land here instead of the shared temp folder.
        "TIKTOKEN_CACHE_DIR": str(home / "tiktoken"),
    }


def apply(environment: dict[str, str]) -> None:
    """Set the variables in this process, so Prefect and ControlFlow read them when they are first imported."""
    os.environ.update(environment)
    for key in ("PREFECT_HOME", "CONTROLFLOW_HOME_PATH", "TIKTOKEN_CACHE_DIR"):
        Path(environment[key]).mkdir(parents=True, exist_ok=True)
