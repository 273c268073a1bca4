"""A generated project that declares a third-party package gets it in a virtual environment of its workspace: the
wheel is downloaded on the host (here from a local folder: PIP_NO_INDEX and PIP_FIND_LINKS, as pip reads them) and
installed in the sandbox without network. With installing turned off, the verdict names what is missing."""

import base64
import hashlib
import re
import zipfile

import pytest

from tests.support.commands import wait_for_run
from tests.support.server import start_server

pytestmark = pytest.mark.sandbox

REQUIREMENT = "botarmy-fixture==1.0"


def build_wheel(folder) -> None:
    """A pure-Python wheel of `botarmy_fixture` 1.0, made by hand: no build tool, no network."""
    dist = "botarmy_fixture-1.0.dist-info"
    files = {"botarmy_fixture/__init__.py": "ANSWER = 42\n",
             f"{dist}/METADATA": "Metadata-Version: 2.1\nName: botarmy-fixture\nVersion: 1.0\n",
             f"{dist}/WHEEL": "Wheel-Version: 1.0\nGenerator: tests\nRoot-Is-Purelib: true\nTag: py3-none-any\n"}

    def digest(text: str) -> str:
        return base64.urlsafe_b64encode(hashlib.sha256(text.encode()).digest()).rstrip(b"=").decode()

    record = "".join(f"{path},sha256={digest(text)},{len(text.encode())}\n" for path, text in files.items())
    with zipfile.ZipFile(folder / "botarmy_fixture-1.0-py3-none-any.whl", "w") as wheel:
        for path, text in {**files, f"{dist}/RECORD": record + f"{dist}/RECORD,,\n"}.items():
            wheel.writestr(path, text)


def needs_the_package(developer_answer: str) -> str:
    """The Developer's code, importing the package and declaring it."""
    code = developer_answer.replace("from itertools import count\n",
                                    "from itertools import count\n\nimport botarmy_fixture  # noqa: F401\n", 1)
    assert code != developer_answer
    return code + f"\n**File: `requirements.txt`**\n\n```text\n{REQUIREMENT}\n```\n"


def run_with_the_package(server) -> dict:
    with server.api() as api:
        run_id = api.post("/api/runs", json={"brief": "A plant swap for a street.", "approvals": "developer"}
                          ).json()["run_id"]
        run = wait_for_run(api, run_id)
        assert run["status"] == "waiting_approval"
        edited = needs_the_package(run["artifacts"]["developer"]["content"])
        assert api.post(f"/api/runs/{run_id}/edit", json={"content": edited}).status_code == 204
        return wait_for_run(api, run_id)


@pytest.fixture
def wheels(tmp_path):
    folder = tmp_path / "wheels"
    folder.mkdir()
    build_wheel(folder)
    return {"PIP_NO_INDEX": "1", "PIP_FIND_LINKS": str(folder), "BOTARMY_DEMO_TOKEN_DELAY_MS": "0"}


def test_a_declared_package_is_installed_into_the_workspace_and_the_tests_pass(tmp_path, wheels):
    with start_server(tmp_path / "data", wheels) as server:
        run = run_with_the_package(server)
        assert run["status"] == "completed"
        assert (run["verify"]["status"], run["verify"]["passed"]) == ("passed", 10), run["verify"]
        install, tests = run["commands"]
        assert re.match(r"python -m venv .* --no-index --find-links /wheels .* -- botarmy-fixture==1.0$",
                        install["command"]) and install["status"] == "passed"
        assert tests["command"] == "python -m pytest -q" and tests["status"] == "passed"
        venv = server.data_dir / "workspaces" / run["run_id"] / ".venv"
        assert list(venv.glob("lib/python3*/site-packages/botarmy_fixture/__init__.py"))


def test_with_installing_turned_off_the_verdict_names_what_is_missing(tmp_path, wheels):
    with start_server(tmp_path / "data", {**wheels, "BOTARMY_INSTALL_PACKAGES": "false",
                                          "BOTARMY_FIX_ROUNDS": "0"}) as server:
        run = run_with_the_package(server)
        assert run["verify"]["status"] == "failed"
        assert run["verify"]["summary"] == (
            f"The project needs packages that are not installed here: {REQUIREMENT}. Installing packages is "
            "turned off (BOTARMY_INSTALL_PACKAGES=false).")
        assert run["commands"] == []  # no test run that would only fail on an import
