"""The pure rules of issue 27: what each role must deliver, the run's outcome, the models and prompts a run may be
given, the demo model's prompt cache, prices with a cached rate, and the soft budget's question."""

import pytest

from agents.budget import soft_question
from agents import deliverables
from agents.deliverables import CODE, DESIGN, NO_CODE, NO_TESTS, TESTS, code_missing, missing, repair_instructions
from agents.roles import AGENT_NAMES, ROLE_BY_NAME
from core.demo.cache import PromptCache
from core.domain.inputs import InputError, clean_prompts, clean_soft_budget, parse_models
from core.domain.outcome import RunOutcome, of_row, of_verdict
from core.domain.status import InterruptReason, Missing, RunStatus, VerifyStatus
from core.domain.view import RunView, VerifyView
from core.llm.client import Ceiling
from core.llm.prices import Price, Prices

PROSE = "Thank you for the brief. The team should start small and grow the product step by step."
CODE_ANSWER = "Here it is.\n\n**File: `src/cart.py`**\n\n```python\ndef total(prices):\n    return sum(prices)\n```\n"
TESTS_ANSWER = ("**File: `tests/test_cart.py`**\n\n```python\nfrom cart import total\n\n\ndef test_total():\n"
                "    assert total([1, 2]) == 3\n```\n")


@pytest.mark.parametrize(("answer", "lacking"), [
    (PROSE, [NO_CODE]),
    ("```python\nprint('one block, no file line')\n```", [NO_CODE]),
    ("**File: `src/README.md`**\n\n```markdown\n# Shop\n\nA shop.\n```",
     ["No code: the files in the answer (`src/README.md`) hold prose or documentation, not code."]),
    ("**File: `src/notes.py`**\n\n```python\n\"\"\"Only a docstring: nothing runs.\"\"\"\n```",
     ["No code: the files in the answer (`src/notes.py`) hold prose or documentation, not code."]),
    (CODE_ANSWER, []),
    ("**File: `src/broken.py`**\n\n```python\ndef total(prices:\n    return sum(prices)\n```", []),
])
def test_the_developer_must_deliver_a_code_file(answer, lacking):
    assert code_missing(answer) == lacking


def test_the_tester_must_deliver_a_test_file_with_a_test_function():
    assert deliverables.tests_missing(PROSE) == [NO_TESTS]
    assert deliverables.tests_missing(CODE_ANSWER) == [NO_TESTS]  # code, but not a test file
    assert deliverables.tests_missing(TESTS_ANSWER.replace("def test_total", "def check_total")) == [NO_TESTS]
    assert deliverables.tests_missing(TESTS_ANSWER) == []


def test_the_architect_must_name_the_sections_the_developer_needs():
    check = deliverables.sections_missing("Components", "Interfaces")
    assert check("## Components\n- cart\n\n## Interfaces\n`total()`") == []
    assert check("**Components**\n- cart\n\n### Public interfaces\n`total()`") == []
    assert check("## Components\n- cart") == ["No Interfaces section: the design needs a heading named Interfaces."]
    assert ROLE_BY_NAME["architect"].delivers == (DESIGN,)
    assert ROLE_BY_NAME["developer"].delivers == (CODE,) and ROLE_BY_NAME["tester"].delivers == (TESTS,)
    assert ROLE_BY_NAME["analyst"].delivers == ROLE_BY_NAME["deployer"].delivers == ()


def test_a_repair_instruction_names_what_was_missing_and_the_form_with_an_example():
    instruction = repair_instructions("Developer", (CODE,), PROSE)
    assert missing((CODE,), PROSE) == [NO_CODE]
    assert f"- {NO_CODE}" in instruction
    assert "**File: `path`** followed by one fenced code block" in instruction
    assert "**File: `src/shop/cart.py`**\n\n```python" in instruction  # the example, in that very form
    assert repair_instructions("Developer", (CODE,), CODE_ANSWER) == ""


@pytest.mark.parametrize(("verify", "run_tests", "expected"), [
    (VerifyView(status=VerifyStatus.PASSED), True, RunOutcome.PASSED),
    (VerifyView(status=VerifyStatus.FAILED), True, RunOutcome.TESTS_FAILED),
    (VerifyView(status=VerifyStatus.MISSING, missing=Missing.CODE), True, RunOutcome.NO_CODE),
    (VerifyView(status=VerifyStatus.MISSING, missing=Missing.TESTS), True, RunOutcome.NO_TESTS),
    (VerifyView(status=VerifyStatus.SKIPPED), False, RunOutcome.TESTS_OFF),
    (VerifyView(status=VerifyStatus.SKIPPED), True, RunOutcome.TESTS_NOT_RUN),
    (None, True, RunOutcome.TESTS_NOT_RUN),
])
def test_only_tests_that_ran_and_passed_make_a_run_completed(verify, run_tests, expected):
    assert of_verdict(verify, run_tests) == expected


def test_a_history_row_keeps_its_recorded_outcome_and_reads_older_rows_from_their_verdict():
    assert of_row(RunStatus.COMPLETED, RunOutcome.NO_CODE, None) == RunOutcome.NO_CODE
    assert of_row(RunStatus.COMPLETED, None, VerifyStatus.PASSED) == RunOutcome.PASSED
    assert of_row(RunStatus.COMPLETED, None, None) == RunOutcome.TESTS_NOT_RUN
    assert of_row(RunStatus.FAILED, None, VerifyStatus.PASSED) is None


def test_models_per_agent_are_parsed_and_bad_ones_get_a_sentence():
    assert parse_models("developer=gpt-4o, tester = gpt-4o-mini", AGENT_NAMES) == {
        "developer": "gpt-4o", "tester": "gpt-4o-mini"}
    assert parse_models({"Analyst": "llama3.1:8b"}, AGENT_NAMES) == {"analyst": "llama3.1:8b"}
    assert parse_models("", AGENT_NAMES) == parse_models(None, AGENT_NAMES) == {}
    for bad, sentence in (("designer=gpt-4o", "Unknown agent 'designer'"), ("developer", "has no '='"),
                          ("developer=", "The model for developer must be a name"),
                          ("developer=gpt 4o", "The model for developer must be a name"),
                          (["developer"], "as an object of agent names")):
        with pytest.raises(InputError, match=sentence):
            parse_models(bad, AGENT_NAMES)


def test_prompts_are_cleaned_like_a_brief():
    titles = {"architect": "Architect"}
    assert clean_prompts({"architect": "  Design\r\nit.\x07 "}, AGENT_NAMES, titles) == {"architect": "Design\nit."}
    with pytest.raises(InputError, match="The Architect's prompt is empty"):
        clean_prompts({"architect": " \u200b "}, AGENT_NAMES, titles)
    with pytest.raises(InputError, match="limit is 10"):
        clean_prompts({"architect": "x" * 11}, AGENT_NAMES, titles, max_chars=10)
    with pytest.raises(InputError, match="Unknown agent 'boss'"):
        clean_prompts({"boss": "Decide."}, AGENT_NAMES, titles)


def test_a_soft_budget_is_a_positive_amount_of_dollars():
    assert clean_soft_budget("$2.50") == 2.5 and clean_soft_budget(None) is None and clean_soft_budget("") is None
    for bad in ("two", 0, -1, True, 10**9):
        with pytest.raises(InputError, match="soft budget"):
            clean_soft_budget(bad)


def test_the_demo_cache_counts_a_shared_prefix_as_openai_does():
    cache = PromptCache()
    first = "a" * 4096 + "b" * 1000  # 1,024 tokens of prefix, then more
    assert cache.read(first) == 0  # nothing before it
    assert cache.read(first) == 1152  # 4,608 of its characters in whole 512-character (128-token) steps
    assert cache.read("a" * 4096 + "c" * 1000) == 1024  # only the shared prefix
    assert cache.read("a" * 3584 + "d" * 2000) == 0  # under 1,024 tokens shared is no cache hit
    assert cache.read("z" + "a" * 5000) == 0  # a prefix is from the first character


def test_the_demo_cache_forgets_the_least_recently_used_first():
    cache = PromptCache(capacity=10)
    old = "o" * 5120
    cache.read(old)
    cache.read("n" * 5120)  # ten steps of its own push the old ones out
    assert cache.read(old) == 0


def test_cached_input_is_priced_at_the_cached_rate_or_the_input_rate():
    assert Price.of([2.5, 10.0, 1.25]).cost(1_000_000, 0, 400_000) == pytest.approx(1.5 + 0.5)
    assert Price.of([2.5, 10.0]).cost(1_000_000, 1_000_000, 400_000) == pytest.approx(12.5)
    assert Prices({"gpt-4o": [2.5, 10.0]}).cost("unknown", 1000, 1000) == 0


def test_the_soft_budget_asks_before_a_call_that_could_pass_it():
    view = RunView(run_id="r", cost_usd=1.62, soft_budget_usd=2.0)
    developer = ROLE_BY_NAME["developer"]
    assert soft_question(developer, Ceiling(1000, 0.31), view, "budget:1:developer:work") is None
    asked = soft_question(developer, Ceiling(1000, 0.50), view, "budget:1:developer:work")
    assert asked.reason == InterruptReason.BUDGET and asked.response_schema["required"] == ["continue"]
    assert asked.message == ("$1.62 spent of $2.00; the Developer's next call may cost up to $0.50. Continue with "
                             "another $1.00?")
    far = soft_question(developer, Ceiling(1000, 2.5), view, "x")
    assert far.message.endswith("Continue with another $3.00?")  # enough for that call, in whole dollars
    assert soft_question(developer, Ceiling(1000, 9.0), RunView(run_id="r"), "x") is None  # no soft budget
