"""What a run that stopped for the user expects as an answer, written as JSON Schema for any AG-UI client.

Every interrupt carries its `response_schema`, so a client that knows only the protocol can answer it: a `resume`
entry with status `resolved` and a payload valid under the schema, or with status `cancelled`, which cancels the
run (the artifacts finished so far are kept).
"""

from .events import Interrupt
from .inputs import InputError
from .status import Decision

APPROVAL_AGENT = "agent"  # the key in an approval (or budget) interrupt's metadata naming the agent whose work waits
BUDGET_ADD_USD = "add_usd"  # the key in a budget interrupt's metadata: what "continue" adds to the soft budget
MAX_BUDGET_ADD_USD = 10_000.0

CANCELLED_ANSWER = "A resume entry with status `cancelled` cancels the run; the artifacts finished so far are kept."

APPROVAL_ANSWER = {
    "title": "Decision on the artifact",
    "description": "Approve the artifact, ask the agent to redo it with feedback, or replace it with your own text. "
                   "No payload approves. " + CANCELLED_ANSWER,
    "oneOf": [
        {"title": "Approve", "type": "object", "additionalProperties": False, "required": ["decision"],
         "properties": {"decision": {"const": Decision.APPROVE.value}}},
        {"title": "Request changes", "type": "object", "additionalProperties": False,
         "required": ["decision", "feedback"],
         "properties": {"decision": {"const": Decision.REQUEST_CHANGES.value},
                        "feedback": {"type": "string", "minLength": 1,
                                     "description": "What the agent should change."}}},
        {"title": "Edit", "type": "object", "additionalProperties": False, "required": ["decision", "content"],
         "properties": {"decision": {"const": Decision.EDIT.value},
                        "content": {"type": "string", "minLength": 1,
                                    "description": "The artifact as you rewrote it; the next agents read it."}}},
    ],
}

PAUSE_ANSWER = {
    "title": "Resume",
    "description": "Resolve with no payload (or an empty object) to continue with the next agent. " + CANCELLED_ANSWER,
    "type": "object", "additionalProperties": False, "properties": {},
}

BUDGET_ANSWER = {
    "title": "Spend more?",
    "description": "The run reached its soft budget before its next call. Continue (raising the soft budget by "
                   "`add_usd`, or by the amount the question offers) or stop (the run ends; everything finished so "
                   "far is kept). No payload continues. " + CANCELLED_ANSWER,
    "type": "object", "additionalProperties": False, "required": ["continue"],
    "properties": {
        "continue": {"type": "boolean", "description": "true: go on with a higher soft budget; false: stop here."},
        "add_usd": {"type": "number", "exclusiveMinimum": 0, "maximum": MAX_BUDGET_ADD_USD,
                    "description": "US dollars added to the soft budget when continuing."},
    },
}

BUDGET_PAYLOAD_HELP = ('The resume payload must be {"continue": true, "add_usd": 1.0} (add_usd is optional) or '
                       '{"continue": false}.')

APPROVAL_PAYLOAD_HELP = ('The resume payload must be {"decision": "approve"}, {"decision": "request_changes", '
                         '"feedback": "..."} or {"decision": "edit", "content": "..."}.')


def approval_answer(payload: object) -> tuple[Decision, dict[str, str]]:
    """A resolved approval's payload → the decision and its text (feedback or content); InputError otherwise."""
    if payload is None:
        return Decision.APPROVE, {}
    if not isinstance(payload, dict) or payload.get("decision") not in tuple(Decision):
        raise InputError(APPROVAL_PAYLOAD_HELP)
    decision = Decision(payload["decision"])
    details = {key: payload[key] for key in ("feedback", "content") if key in payload}
    if any(not isinstance(value, str) for value in details.values()):
        raise InputError("feedback and content must be text.")
    return decision, details


def clean_budget_add(value: object) -> float | None:
    """What the user adds to a run's soft budget: a positive number of US dollars, or None (the question's offer)."""
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0 < value <= MAX_BUDGET_ADD_USD:
        raise InputError(f"add_usd must be a number of US dollars above 0 and at most {MAX_BUDGET_ADD_USD:,.0f}.")
    return float(value)


def budget_answer(payload: object) -> tuple[bool, float | None]:
    """A resolved budget question's payload → whether to go on, and what to add; InputError otherwise."""
    if payload is None:
        return True, None
    if not isinstance(payload, dict) or not isinstance(payload.get("continue"), bool) or \
            set(payload) - {"continue", "add_usd"}:
        raise InputError(BUDGET_PAYLOAD_HELP)
    return payload["continue"], clean_budget_add(payload.get("add_usd"))


def approval_agent(interrupt: Interrupt) -> str:
    """The agent whose artifact an approval interrupt waits on ("" when it names none)."""
    return (interrupt.metadata or {}).get(APPROVAL_AGENT, "")
