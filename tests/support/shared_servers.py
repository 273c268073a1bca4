"""One server per configuration for a test session: started when a test first asks for that configuration, then
handed to every test that asks for it again, each as a user of its own (tests are isolated by user, not by
process). A test that stops, kills or restarts its server, or needs an empty data dir, starts its own."""

import hashlib
import signal
from pathlib import Path

from tests.support.server import Server, start_server

# A shared server outlives its tests' runs, some of which are left working: the queue of runs waiting for a slot is
# not what tests on a shared server are about, so nobody waits in it for another test's run.
SHARED = {"BOTARMY_MAX_CONCURRENT_RUNS": "50"}


def user_of(nodeid: str) -> str:
    """The user a test (or a module) acts as on a shared server: a valid, stable name of its own."""
    return "t-" + hashlib.sha256(nodeid.encode()).hexdigest()[:16]


class SharedServers:
    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.running: dict[tuple, Server] = {}

    def get(self, env: dict[str, str], nodeid: str) -> Server:
        """The session's server of this configuration (started now if it is the first ask), leased to the test or
        module `nodeid`: its user by default, and the server's log from now on."""
        key = tuple(sorted(env.items()))
        server = self.running.get(key)
        if server is None:
            server = self.running[key] = start_server(self.folder / f"config-{len(self.running)}", {**SHARED, **env})
        elif server.process.poll() is not None:
            raise RuntimeError(f"the shared server of {env} stopped (exit code {server.process.returncode}): a test "
                               "that stops its server needs one of its own (the own_server mark)")
        return server.lease(user_of(nodeid))

    def stop(self) -> None:
        """All told to stop at once, then each waited for: their shutdowns overlap instead of adding up."""
        for server in self.running.values():
            if server.process.poll() is None:
                server.process.send_signal(signal.SIGTERM)
        for server in self.running.values():
            server.stop()
