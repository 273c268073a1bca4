"""The workspaces of runs: `<data dir>/workspaces/<run id>/` holds the project folder that commands run in, and
`<data dir>/commands/<run id>/` the whole log of each command, a marker while it runs, and the list of files the
server put in the workspace."""

import json
import os
import re
from collections.abc import Mapping
from pathlib import Path

from .safe_files import Owner, remove_files, remove_tree, write_files

_ID = re.compile(r"[A-Za-z0-9_-]{1,64}")
_MANIFEST = "workspace.json"
_RUNNING = ".running"


class Workspaces:
    def __init__(self, data_dir: Path) -> None:
        self.root = data_dir / "workspaces"
        self.logs = data_dir / "commands"

    def path(self, run_id: str) -> Path:
        return self.root / _checked(run_id)

    def logs_of(self, run_id: str) -> Path:
        return self.logs / _checked(run_id)

    def log_path(self, run_id: str, command_id: str) -> Path:
        return self.logs_of(run_id) / f"{_checked(command_id)}.log"

    def wheels(self, run_id: str) -> Path:
        """Where the packages a run's project declares are downloaded to, for the sandbox to install from."""
        return self.logs_of(run_id) / "wheels"

    def sync(self, run_id: str, files: Mapping[str, str | bytes], owner: Owner = None) -> Path:
        """Make the workspace hold the project's files as they are now (blocking: call it in a thread).

        Files the server put there earlier and the project no longer has are removed; what commands made there is
        left alone, unless it stands where a project file goes."""
        workspace = self.path(run_id)
        for folder in (self.root, self.logs):
            folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        workspace.mkdir(mode=0o700, exist_ok=True)
        if owner is not None:
            os.chown(workspace, *owner)
        logs = self.logs_of(run_id)
        logs.mkdir(mode=0o700, exist_ok=True)
        manifest = logs / _MANIFEST
        before = json.loads(manifest.read_text()) if manifest.exists() else []
        encoded = {path: content.encode() if isinstance(content, str) else content for path, content in files.items()}
        remove_files(workspace, [path for path in before if path not in encoded])
        write_files(workspace, encoded, owner)
        manifest.write_text(json.dumps(sorted(encoded)))
        return workspace

    def mark_running(self, run_id: str, command_id: str) -> None:
        logs = self.logs_of(run_id)
        logs.mkdir(mode=0o700, parents=True, exist_ok=True)
        (logs / f"{_checked(command_id)}{_RUNNING}").touch()

    def mark_ended(self, run_id: str, command_id: str) -> None:
        (self.logs_of(run_id) / f"{_checked(command_id)}{_RUNNING}").unlink(missing_ok=True)

    def marked_running(self) -> list[tuple[str, str]]:
        """(run id, command id) of every command marked as running: after a restart, those an earlier server
        process left behind."""
        return [(marker.parent.name, marker.name.removesuffix(_RUNNING))
                for marker in sorted(self.logs.glob(f"*/*{_RUNNING}"))]

    def run_ids(self) -> set[str]:
        """Every run that has a workspace or logs here."""
        return {entry.name for folder in (self.root, self.logs) if folder.is_dir()
                for entry in folder.iterdir() if entry.is_dir() and _ID.fullmatch(entry.name)}

    def remove(self, run_id: str) -> None:
        """The run's workspace and logs, gone (blocking)."""
        remove_tree(self.path(run_id))
        remove_tree(self.logs_of(run_id))


def _checked(name: str) -> str:
    if not _ID.fullmatch(name):
        raise ValueError(f"not a run or command id: {name!r}")
    return name
