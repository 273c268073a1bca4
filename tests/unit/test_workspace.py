"""The workspace on the server's disk: the project's files as the run's artifacts have them, written by the server
into a folder that untrusted commands write to as well, without ever following what they left there."""

import os
import stat

import pytest

from core.workspace.workspaces import Workspaces

FILES = {"README.md": "# Project\n", "src/app/core.py": "VALUE = 1\n", "tests/test_core.py": "def test(): pass\n"}


@pytest.fixture
def workspaces(tmp_path):
    return Workspaces(tmp_path / "data")


def test_sync_writes_the_project_drops_what_it_no_longer_has_and_keeps_what_commands_made(workspaces):
    folder = workspaces.sync("run1", FILES)
    (folder / "notes.txt").write_text("mine")
    workspaces.sync("run1", {"README.md": "# Renamed\n", "src/app/main.py": "VALUE = 2\n"})
    assert (folder / "README.md").read_text() == "# Renamed\n"
    assert not (folder / "src/app/core.py").exists() and not (folder / "tests/test_core.py").exists()
    assert (folder / "src/app/main.py").read_text() == "VALUE = 2\n"
    assert (folder / "notes.txt").read_text() == "mine"
    assert stat.S_IMODE(os.stat(workspaces.root).st_mode) == 0o700  # no other user of the host reads the code


def test_links_pipes_and_folders_left_where_project_files_go_are_replaced_never_followed(workspaces, tmp_path):
    folder = workspaces.sync("run1", FILES)
    precious = tmp_path / "precious.txt"
    precious.write_text("the server's own file")
    outside = tmp_path / "outside"
    outside.mkdir()
    (folder / "README.md").unlink()
    (folder / "README.md").symlink_to(precious)  # a command's trap: the server writing README.md writes elsewhere
    os.rename(folder / "src", tmp_path / "old-src")
    (folder / "src").symlink_to(outside)  # ... or writes into another folder
    (folder / "tests/test_core.py").unlink()
    os.mkfifo(folder / "tests/test_core.py")  # ... or blocks forever opening a pipe
    workspaces.sync("run1", {**FILES, "README.md": "# New\n"})
    assert precious.read_text() == "the server's own file" and list(outside.iterdir()) == []
    assert not (folder / "README.md").is_symlink() and (folder / "README.md").read_text() == "# New\n"
    assert not (folder / "src").is_symlink() and (folder / "src/app/core.py").read_text() == "VALUE = 1\n"
    assert stat.S_ISREG(os.lstat(folder / "tests/test_core.py").st_mode)


def test_a_file_no_longer_in_the_project_is_not_removed_through_a_link(workspaces, tmp_path):
    folder = workspaces.sync("run1", FILES)
    outside = tmp_path / "outside"
    (outside / "app").mkdir(parents=True)
    (outside / "app" / "core.py").write_text("not the workspace's")
    os.rename(folder / "src", tmp_path / "old-src")
    (folder / "src").symlink_to(outside)
    workspaces.sync("run1", {"README.md": "# Project\n"})
    assert (outside / "app" / "core.py").read_text() == "not the workspace's"


def test_files_belong_to_the_sandbox_user_and_removal_takes_everything(workspaces):
    if os.geteuid() != 0:
        pytest.skip("giving files away needs root")
    folder = workspaces.sync("run1", FILES, owner=(2_000_000_123, 2_000_000_123))
    assert {os.stat(path).st_uid for path in [folder, folder / "src", folder / "src/app/core.py"]} == {2_000_000_123}
    locked = folder / "locked"
    (locked / "inner").mkdir(parents=True)
    os.chmod(locked, 0)
    workspaces.mark_running("run1", "c1")
    assert workspaces.marked_running() == [("run1", "c1")]
    workspaces.remove("run1")
    assert not folder.exists() and not workspaces.logs_of("run1").exists()


def test_ids_that_are_not_ids_never_become_paths(workspaces):
    for bad in ("../etc", "a/b", "", "x" * 65, "."):
        with pytest.raises(ValueError):
            workspaces.path(bad)
