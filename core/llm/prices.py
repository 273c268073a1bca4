"""What a call costs, by the model it called: US dollars per million tokens of input, output and cached input (input
the provider read from its prompt cache, which it bills at a lower rate)."""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class Price:
    input: float
    output: float
    cached_input: float

    @classmethod
    def of(cls, rates: Sequence[float]) -> "Price":
        """[input, output] or [input, output, cached input]; without a cached rate, cached input costs as input."""
        return cls(rates[0], rates[1], rates[2] if len(rates) > 2 else rates[0])

    def cost(self, prompt_tokens: int, completion_tokens: int, cached_tokens: int = 0) -> float:
        cached = min(cached_tokens, prompt_tokens)
        return ((prompt_tokens - cached) * self.input + cached * self.cached_input
                + completion_tokens * self.output) / 1_000_000


FREE = Price(0.0, 0.0, 0.0)


class Prices:
    """The price table (BOTARMY_PRICES over the built-in one); a model it does not name costs nothing."""

    def __init__(self, table: Mapping[str, Sequence[float]]) -> None:
        self._prices = {model: Price.of(rates) for model, rates in table.items()}

    def of(self, model: str) -> Price:
        return self._prices.get(model, FREE)

    def cost(self, model: str, prompt_tokens: int, completion_tokens: int, cached_tokens: int = 0) -> float:
        return self.of(model).cost(prompt_tokens, completion_tokens, cached_tokens)
