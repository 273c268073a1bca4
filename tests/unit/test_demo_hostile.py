"""The demo model's `hostile` fault: its normal answer, then what a prompt-injected model might emit."""

from agents.roles import ROLES, build_messages
from core.demo.content import demo_answer
from core.demo.faults import FaultPlan
from core.demo.hostile import HEADING, PAYLOADS, hostile_block
from core.demo.model import ChatMessage, answer_for

BRIEF = "A <img src=x onerror=window.__pwned=1> tracker for </script><script>window.__pwned=1</script> teams"


def messages(role_index: int) -> list[ChatMessage]:
    role = ROLES[role_index]
    return [ChatMessage(**m) for m in build_messages(role, BRIEF, {"analyst": "# Requirements"} if role_index else {})]


def test_the_hostile_answer_is_the_normal_answer_followed_by_the_hostile_block():
    for index, role in enumerate(ROLES):
        normal = answer_for(role.name, messages(index))
        assert normal == demo_answer(role.name, BRIEF)
        assert answer_for(role.name, messages(index), hostile=True) == normal + "\n" + hostile_block(BRIEF)


def test_the_hostile_block_holds_every_payload_and_ends_with_the_brief_unquoted():
    block = hostile_block(BRIEF)
    assert block.startswith(HEADING)
    assert all(payload in block for payload in PAYLOADS)
    assert block.endswith(f"The brief, as given: {BRIEF}\n")


def test_a_hostile_brief_reaches_the_analysts_normal_answer_too():
    assert f"> {BRIEF}" in answer_for("analyst", messages(0))


def test_hostile_is_a_fault_kind_of_scripts_and_rates():
    script = FaultPlan("script:hostile,ok")
    assert [script.next().kind, script.next(), script.next()] == ["hostile", None, None]
    assert FaultPlan("hostile=1").next().kind == "hostile"
