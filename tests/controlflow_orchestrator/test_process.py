"""The ControlFlow orchestrator's processes and files: runs resume after a restart, Prefect's server stops with the
app however it stops, nothing is written outside the data dir, no telemetry, and the default orchestrator loads none
of it."""

import signal
import subprocess
import sys
import time

import httpx

from tests.support.server import ROOT, free_port, server_env

from .conftest import CONTROLFLOW, environment_of, files_under, gone, prefect_servers, settled, start, start_run

BRIEF = "A rota for a food bank's volunteers."


def test_runs_resume_after_a_restart_and_prefect_stops_with_the_app_however_it_stops(tmp_path):
    port = free_port()
    with start(tmp_path, {**CONTROLFLOW, "BOTARMY_DEMO_TOKEN_DELAY_MS": "5"}, port) as server:
        (prefect,) = prefect_servers(server)
        prefect_environment = environment_of(prefect)
        run_id = start_run(server, BRIEF)
        deadline = time.monotonic() + 60
        while "architect" not in server.artifacts(run_id):
            assert time.monotonic() < deadline
            time.sleep(0.05)
        server.stop(signal.SIGTERM)
    assert gone(prefect), "Prefect's server outlived the app stopped by SIGTERM"
    assert interrupted(server, run_id)
    for sig in (signal.SIGINT, signal.SIGKILL):  # Ctrl-C; and a kill that leaves the app no time to stop anything
        with start(tmp_path, CONTROLFLOW, port) as server:
            (prefect,) = prefect_servers(server)
            if sig == signal.SIGINT:
                with server.api() as api:
                    assert api.post(f"/api/runs/{run_id}/resume").status_code == 204
                assert settled(server, run_id, "completed")["status"] == "completed"
                assert len(server.artifacts(run_id)) == 5
            server.stop(sig)
        assert gone(prefect), f"Prefect's server outlived the app stopped by {sig.name}"
    telemetry = ("DO_NOT_TRACK", "PREFECT_SERVER_ANALYTICS_ENABLED")
    assert [prefect_environment.get(key) for key in telemetry] == ["1", "false"]
    assert not [key for key in prefect_environment if key.startswith(("OPENAI_", "BOTARMY_"))], "no settings or keys"
    assert files_under(tmp_path / "home") == [] and files_under(tmp_path / "tmp") == []
    written = files_under(tmp_path / "data" / "controlflow")
    assert "prefect/prefect.db" in written and not any(path.startswith("tiktoken/") for path in written)


def interrupted(server, run_id: str) -> bool:
    """The stopped server left the run recorded as interrupted in its database."""
    ends = [e for e in server.events(run_id) if e["type"] in {"RUN_ERROR", "RUN_FINISHED"}]
    return ends[-1].get("code") == "interrupted"


def test_the_default_orchestrator_loads_nothing_of_controlflow(tmp_path):
    """With ControlFlow installed but not chosen, a server that started and serves never imported it."""
    port, modules = free_port(), tmp_path / "modules"
    watcher = (  # the server, with a thread that keeps writing down which of those modules it has loaded
        "import os, pathlib, runpy, sys, threading, time\n"
        "def record():\n"
        "    while True:\n"
        "        names = [m for m in list(sys.modules) if m.split('.')[0] in {'controlflow', 'prefect',\n"
        "                 'langchain_core', 'langchain_openai', 'tiktoken'} or m.startswith('agents.controlflow')]\n"
        # written aside and renamed into place: a reader never meets the file truncated and not yet written
        f"        pathlib.Path({str(modules)!r} + '.new').write_text('\\n'.join(['checked'] + names))\n"
        f"        os.replace({str(modules)!r} + '.new', {str(modules)!r})\n"
        "        time.sleep(0.1)\n"
        "threading.Thread(target=record, daemon=True).start()\n"
        f"sys.argv = ['main.py', '--port', '{port}', '--data-dir', {str(tmp_path)!r}]\n"
        f"runpy.run_path({str(ROOT / 'main.py')!r}, run_name='__main__')\n")
    process = subprocess.Popen([sys.executable, "-c", watcher], cwd=tmp_path, stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL, env=server_env({"BOTARMY_DEMO_TOKEN_DELAY_MS": "0"}))
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                health = httpx.get(f"http://127.0.0.1:{port}/health", timeout=2).json()
                break
            except httpx.HTTPError:
                assert time.monotonic() < deadline and process.poll() is None
                time.sleep(0.2)
        assert health["orchestrator"] == "native" and health["orchestrator_ready"]
        time.sleep(1)  # startup hooks have run; the thread wrote down what they loaded
        assert modules.read_text().split("\n") == ["checked"]
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(30)
