"""The composition root: `create_app` builds a whole process without serving it, refuses settings that cannot make
one with a sentence, and a worker takes a port of its own, so it shares a host with a web instance."""

import json
import re
import socket
import subprocess
import sys
import time

import httpx
import pytest

from core.settings import Role, Settings
from main import SCALED_NEEDS_BOTH, SINGLE_WITH_URLS, WORKER_PORT, StartupRefused, create_app
from tests.support.server import ROOT, free_port, server_env

BUILD = """
import json, sys
from core.settings import Settings
from main import create_app
botarmy = create_app(Settings(data_dir=sys.argv[1], port=int(sys.argv[2])))
pages = {getattr(route, "path", "") for route in botarmy.asgi.routes}
print(json.dumps({"role": botarmy.role, "paths": sorted(pages | set(botarmy.asgi.openapi()["paths"]))}))
"""


def test_create_app_builds_every_route_of_one_process_without_serving_it(tmp_path):
    port = free_port()
    done = subprocess.run([sys.executable, "-c", BUILD, str(tmp_path / "data"), str(port)], cwd=ROOT,
                          env=server_env(), capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr[-3000:]
    built = json.loads(done.stdout.strip().splitlines()[-1])
    assert built["role"] == "single"
    for path in ("/", "/runs/{run_id}", "/runs", "/health", "/metrics", "/api/runs", "/api/runs/{run_id}", "/agui"):
        assert path in built["paths"], path
    assert (tmp_path / "data" / "botarmy.sqlite3").exists()  # the store is opened when built
    with socket.socket() as probe:  # …and nothing was served on its port
        assert probe.connect_ex(("127.0.0.1", port)) != 0


@pytest.mark.parametrize("role, settings, sentence", [
    (Role.SINGLE, {"database_url": "postgresql://nobody@127.0.0.1:1/x"}, SINGLE_WITH_URLS),
    (Role.WORKER, {}, SCALED_NEEDS_BOTH.format(role=Role.WORKER)),
    (Role.WEB, {"redis_url": "redis://127.0.0.1:1"}, SCALED_NEEDS_BOTH.format(role=Role.WEB)),
    (Role.SINGLE, {"models": "developer=gpt-4o,designer=gpt-4o"}, "BOTARMY_MODELS: Unknown agent 'designer' in "
     "models: name one of analyst, architect, developer, tester, deployer."),
    (Role.SINGLE, {"models": "developer"}, "BOTARMY_MODELS: Name models per agent as a comma list such as "
     "developer=gpt-4o,tester=gpt-4o-mini; 'developer' has no '='."),
])
def test_settings_that_cannot_make_a_process_are_refused_with_a_sentence(tmp_path, role, settings, sentence):
    with pytest.raises(StartupRefused) as refused:
        create_app(Settings(data_dir=tmp_path, **settings), role)
    assert str(refused.value) == sentence


@pytest.mark.scale
def test_a_worker_takes_its_own_port_or_a_free_one_and_says_which(tmp_path, postgres, redis_service):
    """8090 taken (here by the test; on a host, by another worker) leaves the worker a free port, named in its log."""
    env = server_env({"BOTARMY_DATABASE_URL": postgres.new_database(), "BOTARMY_REDIS_URL": redis_service.url})
    held = socket.socket()
    held.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        held.bind(("127.0.0.1", WORKER_PORT))
        held.listen()
    except OSError:  # another process holds it already: the worker must find it taken all the same
        held.close()
    log_path = tmp_path / "worker.log"
    with open(log_path, "wb") as log:
        worker = subprocess.Popen([sys.executable, str(ROOT / "main.py"), "worker", "--data-dir", str(tmp_path)],
                                  cwd=tmp_path, env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        deadline, port = time.monotonic() + 120, None
        while port is None:
            assert worker.poll() is None and time.monotonic() < deadline, log_path.read_text()
            found = re.search(r"worker listening on http://127\.0\.0\.1:(\d+)", log_path.read_text())
            port = int(found.group(1)) if found else None
            time.sleep(0.1)
        assert port != WORKER_PORT
        health = httpx.get(f"http://127.0.0.1:{port}/health", timeout=10).json()
        assert health["role"] == "worker" and health["store_writable"]
        assert "address already in use" not in log_path.read_text().lower()
    finally:
        worker.terminate()
        worker.wait(30)
        held.close()
