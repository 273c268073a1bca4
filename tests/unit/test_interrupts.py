"""An interrupt's response_schema and the server's reading of an answer agree: what the schema admits is accepted
as the decision it names, and what it refuses the server refuses too."""

import jsonschema
import pytest

from core.domain.inputs import InputError
from core.domain.interrupts import APPROVAL_ANSWER, PAUSE_ANSWER, approval_answer
from core.domain.status import Decision


@pytest.mark.parametrize(("payload", "decision", "details"), [
    ({"decision": "approve"}, Decision.APPROVE, {}),
    ({"decision": "request_changes", "feedback": "More tests."}, Decision.REQUEST_CHANGES, {"feedback": "More tests."}),
    ({"decision": "edit", "content": "# Mine"}, Decision.EDIT, {"content": "# Mine"}),
])
def test_each_answer_the_schema_admits_is_the_decision_it_names(payload, decision, details):
    jsonschema.validate(payload, APPROVAL_ANSWER)
    answer = approval_answer(payload)
    assert answer == (decision, details) and type(answer[0]) is Decision, "the command gets the enum, not text"


@pytest.mark.parametrize("payload", [{"decision": "maybe"}, {"decision": "Approve"}, {"decision": 1},
                                     {"decision": None}, {"decision": ["approve"]}, {"decision": {"approve": 1}},
                                     "approve", ["approve"]])
def test_answers_outside_the_schema_are_refused_by_both(payload):
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(payload, APPROVAL_ANSWER)
    with pytest.raises(InputError, match='"decision": "approve"'):
        approval_answer(payload)


def test_no_payload_approves_and_a_pause_takes_an_empty_answer():
    assert approval_answer(None) == (Decision.APPROVE, {})
    jsonschema.validate({}, PAUSE_ANSWER)
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate({"decision": "approve"}, PAUSE_ANSWER)
