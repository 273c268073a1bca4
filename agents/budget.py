"""A run's budgets, checked before every call against the most it could cost (core.llm.client.LLM.ceiling): the hard
ceilings (tokens, dollars) stop the run; the soft one, per run, asks the user whether to go on."""

import math
from dataclasses import dataclass

from core.domain.events import Interrupt
from core.domain.interrupts import APPROVAL_AGENT, BUDGET_ADD_USD, BUDGET_ANSWER
from core.domain.status import InterruptReason
from core.domain.view import RunView
from core.llm.client import Ceiling

from .roles import Role

# What "continue" adds to the soft budget at least, in whole steps.
STEP_USD = 1.0
QUESTION = ("{spent} spent of {soft}; the {title}'s next call may cost up to {next}. Continue with another "
            "{add}?")
STOPPED = "The run stopped before the {title}: its next step could take the run past its budget of {limit}."


@dataclass(frozen=True)
class Budget:
    """The hard ceilings of every run: it stops cleanly before a call that could pass either."""

    tokens: int
    cost_usd: float


def usd(amount: float) -> str:
    return f"${amount:,.2f}"


def over_budget(role: Role, most: Ceiling, budget: Budget, view: RunView) -> str | None:
    """The user's sentence when the next call could take the run past a hard ceiling, else None."""
    if view.tokens + most.tokens > budget.tokens:
        limit = f"{budget.tokens:,} tokens"
    elif budget.cost_usd and view.cost_usd + most.cost_usd > budget.cost_usd:
        limit = usd(budget.cost_usd)
    else:
        return None
    return STOPPED.format(title=role.title, limit=limit)


def soft_question(role: Role, most: Ceiling, view: RunView, interrupt_id: str) -> Interrupt | None:
    """The question to the user when the next call could take the run past its soft budget, else None."""
    soft = view.soft_budget_usd
    if soft is None or view.cost_usd + most.cost_usd <= soft:
        return None
    add = max(STEP_USD, STEP_USD * math.ceil((view.cost_usd + most.cost_usd - soft) / STEP_USD))
    return Interrupt(id=interrupt_id, reason=InterruptReason.BUDGET, response_schema=BUDGET_ANSWER,
                     message=QUESTION.format(spent=usd(view.cost_usd), soft=usd(soft), title=role.title,
                                             next=usd(most.cost_usd), add=usd(add)),
                     metadata={APPROVAL_AGENT: role.name, BUDGET_ADD_USD: add})
