"""What bubblewrap is asked to show a command: the system read-only, the Python's prefix and the workspace, and
nothing of the home directory, whatever Python runs BotArmy."""

import sys
from pathlib import Path

from core.sandbox import bubblewrap
from core.sandbox.base import Limits
from core.sandbox.bubblewrap import Bubblewrap, python_prefixes


def test_a_python_installed_in_the_home_directory_is_not_shown(monkeypatch, tmp_path):
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.setattr(sys, "prefix", str(tmp_path))
    monkeypatch.setattr(sys, "base_prefix", "/opt/python3.11")
    assert python_prefixes() == [Path("/opt/python3.11")]
    monkeypatch.setattr(sys, "base_prefix", "/")
    assert python_prefixes() == []


def test_only_the_workspace_is_writable_and_there_is_no_network(monkeypatch):
    monkeypatch.setattr(bubblewrap, "python_prefixes", lambda: [Path("/opt/py")])
    argv = Bubblewrap(Limits())._wrap(["/bin/true"], Path("/data/workspaces/run1"), network=False, info_fd=None,
                                      read_only={"/wheels": Path("/data/commands/run1/wheels")})
    pairs = list(zip(argv, argv[1:], argv[2:]))
    writable = [(source, target) for flag, source, target in pairs if flag == "--bind"]
    assert writable == [("/data/workspaces/run1", "/workspace")]
    assert ("--ro-bind", "/opt/py", "/opt/py") in pairs and ("--ro-bind", "/usr", "/usr") in pairs
    assert ("--ro-bind", "/data/commands/run1/wheels", "/wheels") in pairs
    for flag in ("--unshare-net", "--unshare-pid", "--clearenv", "--die-with-parent", "--new-session"):
        assert flag in argv
    assert argv[argv.index("--remount-ro") + 1] == "/" and argv[-2:] == ["--", "/bin/true"]
    shown = {target for flag, _, target in pairs if flag.startswith(("--ro-bind", "--bind"))}
    assert not any(target.startswith(("/root", "/home", "/data", "/proc", "/etc/shadow")) for target in shown)
