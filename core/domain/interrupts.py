"""What a run that stopped for the user expects as an answer, written as JSON Schema for any AG-UI client.

Every interrupt carries its `response_schema`, so a client that knows only the protocol can answer it: a `resume`
entry with status `resolved` and a payload valid under the schema, or with status `cancelled`, which cancels the
run (the artifacts finished so far are kept).
"""

from .events import Interrupt
from .inputs import InputError
from .status import Decision

APPROVAL_AGENT = "agent"  # the key in an approval interrupt's metadata naming the agent whose work waits

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


def approval_agent(interrupt: Interrupt) -> str:
    """The agent whose artifact an approval interrupt waits on ("" when it names none)."""
    return (interrupt.metadata or {}).get(APPROVAL_AGENT, "")
