"""What a run's calls of the AI service used, added up per agent, per model and per revision, and in total."""

from dataclasses import dataclass, field

from .custom import Usage


@dataclass
class Spend:
    calls: int = 0
    tokens_in: int = 0
    tokens_out: int = 0
    cached_tokens: int = 0  # of tokens_in, read from the service's prompt cache
    cost_usd: float = 0.0

    @property
    def tokens(self) -> int:
        return self.tokens_in + self.tokens_out

    @property
    def cached_share(self) -> float:
        """The part of the prompt tokens the service had cached, 0 to 1."""
        return self.cached_tokens / self.tokens_in if self.tokens_in else 0.0

    def add(self, usage: Usage) -> None:
        self.calls += 1
        self.tokens_in += usage.prompt_tokens
        self.tokens_out += usage.completion_tokens
        self.cached_tokens += usage.cached_tokens
        self.cost_usd += usage.cost_usd


@dataclass
class UsageLedger:
    """Every call counted once in each breakdown. `revision` is the one calls count to now: 1 until a run has
    revisions, whose start sets it."""

    revision: int = 1
    roles: dict[str, Spend] = field(default_factory=dict)
    models: dict[str, Spend] = field(default_factory=dict)
    revisions: dict[int, Spend] = field(default_factory=dict)
    total: Spend = field(default_factory=Spend)

    def add(self, usage: Usage, model: str) -> None:
        """`model`: the one the call used (older logs name none; the caller gives the run's)."""
        for spend in (self.roles.setdefault(usage.agent, Spend()), self.models.setdefault(model, Spend()),
                      self.revisions.setdefault(self.revision, Spend()), self.total):
            spend.add(usage)
