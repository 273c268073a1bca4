"""The offline demo model's answers: deterministic, brief-specific, and the generated code passes its tests."""

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from agents.roles import TEAM
from core.demo.content import AGENTS as ROLES, demo_answer

BRIEFS = [
    "A todo list app for small teams",
    "Library book lending tracker with due-date reminders",
    'Build <script>alert(1)</script> a ``` `rm -rf /` "quoted" \'single\' café → 日本語 tracker\n\n'
    "# Not a heading {braces} $dollar \\n \"\"\"",
]

# A line **File: `path`** followed by one fenced block; the fence's info string may be anything.
_FILE_BLOCK = re.compile(r"^\*\*File: `([^`]+)`\*\*\n+```[^\n]*\n(.*?)^```$", re.MULTILINE | re.DOTALL)


def extract_files(markdown: str) -> dict[str, str]:
    """The files an answer declares, by path."""
    return {path: body for path, body in _FILE_BLOCK.findall(markdown)}


def generated_project(brief: str, root, developer: str | None = None) -> str:
    """Writes the developer's (or this developer answer's) and tester's files under `root`; the package name."""
    files = extract_files(developer or demo_answer("developer", brief)) | extract_files(demo_answer("tester", brief))
    for path, body in files.items():
        target = root / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(body, encoding="utf-8")
    (package,) = {path.split("/")[1] for path in files if path.startswith("src/")}
    assert sorted(files) == [f"src/{package}/__init__.py", f"src/{package}/core.py", f"tests/test_{package}.py"]
    return package


def run(args: list[str], cwd) -> subprocess.CompletedProcess:
    # The generated project stands alone: no plugins or options of the host environment leak into it.
    env = {key: value for key, value in os.environ.items() if not key.startswith("PYTEST_")}
    env |= {"PYTHONPATH": "src", "PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1"}
    return subprocess.run([sys.executable, *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=120)


@pytest.mark.parametrize("role", ROLES)
def test_the_same_inputs_give_the_same_answer(role):
    for brief in BRIEFS:
        assert demo_answer(role, brief) == demo_answer(role, brief)
        assert demo_answer(role, brief, "More detail") == demo_answer(role, brief, "More detail")


def test_the_answers_do_not_depend_on_the_process_hash_seed():
    script = "from core.demo.content import AGENTS as ROLES, demo_answer\nfor r in ROLES: print(demo_answer(r, 'Recipe box'))"
    root = str(Path(__file__).resolve().parents[2])
    outputs = {
        subprocess.run([sys.executable, "-c", script], cwd=root, capture_output=True, text=True, check=True,
                       env={**os.environ, "PYTHONPATH": root, "PYTHONHASHSEED": seed}).stdout
        for seed in ("1", "2")
    }
    assert len(outputs) == 1


def test_different_briefs_give_different_answers():
    for role in ROLES:
        assert len({demo_answer(role, brief) for brief in BRIEFS}) == len(BRIEFS)


@pytest.mark.parametrize("brief", BRIEFS)
def test_the_analyst_quotes_the_whole_brief(brief):
    answer = demo_answer("analyst", brief)
    assert answer.startswith("# Requirements — ")
    assert "\n".join("> " + line for line in brief.split("\n")) in answer
    for section in ("## Goals", "## User stories", "## Acceptance criteria", "## Open questions"):
        assert section in answer
    assert "As a" in answer and "- [ ] " in answer


def test_the_title_comes_from_the_brief():
    assert demo_answer("analyst", BRIEFS[0]).startswith("# Requirements — Todo List App for Small Teams\n")
    assert "tasks" in demo_answer("developer", BRIEFS[0])
    assert "BookStore" in demo_answer("developer", BRIEFS[1])


@pytest.mark.parametrize("brief", BRIEFS)
def test_the_architect_draws_a_mermaid_flowchart(brief):
    answer = demo_answer("architect", brief)
    diagram = answer.split("```mermaid\n", 1)[1].split("\n```", 1)[0]
    assert diagram.startswith("flowchart LR\n")
    assert "| Field |" in answer and "## Interfaces" in answer and "## Key decisions" in answer


def test_the_deployer_writes_a_dockerfile_for_the_package():
    answer = demo_answer("deployer", BRIEFS[0])
    dockerfile = extract_files(answer)["Dockerfile"]
    assert dockerfile.startswith("FROM python:3.11-slim\n")
    assert "COPY src/" in dockerfile and '"-m", "todo_list.core"' in dockerfile
    assert "```bash" in answer and "| Variable |" in answer and "- [ ] " in answer


@pytest.mark.parametrize("brief", BRIEFS)
def test_every_answer_has_exactly_one_top_level_heading_outside_code(brief):
    for role in ROLES:
        outside_code = re.sub(r"^```.*?^```$", "", demo_answer(role, brief), flags=re.MULTILINE | re.DOTALL)
        assert len(re.findall(r"^# ", outside_code, re.MULTILINE)) == 1


@pytest.mark.parametrize("brief", BRIEFS)
def test_the_generated_code_passes_the_generated_tests_and_runs(brief, tmp_path):
    package = generated_project(brief, tmp_path)
    assert package.isidentifier() and package.isascii()

    tests = run(["-m", "pytest", "-q", "-p", "no:cacheprovider"], tmp_path)
    assert tests.returncode == 0, tests.stdout + tests.stderr
    passed = int(re.search(r"(\d+) passed", tests.stdout).group(1))
    assert 8 <= passed <= 12

    demo = run(["-m", f"{package}.core"], tmp_path)
    assert demo.returncode == 0, demo.stdout + demo.stderr
    assert "done" in demo.stdout


def test_the_buggy_fault_breaks_the_first_version_for_one_test_and_its_fix_passes(tmp_path):
    brief = BRIEFS[0]
    generated_project(brief, tmp_path / "first", demo_answer("developer", brief, buggy=True))
    first = run(["-m", "pytest", "-q", "-p", "no:cacheprovider"], tmp_path / "first")
    assert first.returncode == 1 and "1 failed, 9 passed" in first.stdout
    assert "FAILED tests/test_todo_list.py::test_search_ignores_case" in first.stdout
    fixed = demo_answer("developer", brief, "The tests failed: test_search_ignores_case.", buggy=True)
    assert fixed == demo_answer("developer", brief, "The tests failed: test_search_ignores_case.")
    generated_project(brief, tmp_path / "fixed", fixed)
    assert run(["-m", "pytest", "-q", "-p", "no:cacheprovider"], tmp_path / "fixed").returncode == 0


@pytest.mark.parametrize("brief", ["", "x", "Calendar", "json", "???", "🙂" * 50, "word " * 1600, "a\x00b"])
def test_odd_briefs_still_give_valid_python(brief):
    for role in ("developer", "tester"):
        for path, body in extract_files(demo_answer(role, brief)).items():
            compile(body, path, "exec")


@pytest.mark.parametrize("role", ROLES)
def test_feedback_is_quoted_and_addressed(role):
    answer = demo_answer(role, BRIEFS[0], "  Please add due dates.\nAnd priorities.  ")
    head = answer.split("\n## ", 2)
    assert head[1].startswith("Changes requested\n\n> Please add due dates.\n> And priorities.\n\n")
    assert "addresses the feedback" in head[1]


def test_blank_feedback_is_ignored():
    assert demo_answer("analyst", BRIEFS[0], "   ") == demo_answer("analyst", BRIEFS[0])


def test_an_unknown_role_raises():
    with pytest.raises(ValueError):
        demo_answer("manager", BRIEFS[0])


def test_the_demo_model_has_answers_for_every_agent_of_the_team():
    assert set(TEAM.names) <= set(ROLES), "teach core/demo/content.py every agent of agents/roles.py"
