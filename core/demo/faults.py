"""Fault injection for the offline demo model, so that every failure the real AI service can produce is testable.

BOTARMY_DEMO_FAULTS takes either rates or a script:

    429=0.1,500=0.05,cut=0.1;seed=7        each request draws one fault (or none) with these probabilities, the
                                            same for the same seed, agent, brief and attempt however runs interleave
    script:429,ok,cut,ok                    the n-th request gets the n-th entry; no faults after the script

Kinds: 429 (with Retry-After, `429@2` for 2 s), 500, 503, 401, leaky401 (a 401 whose message quotes the whole
key, as some gateways do), 400 (context_length_exceeded), cut (the connection drops mid-answer), stall (the stream
stops mid-answer and never resumes), malformed (a broken chunk mid-answer), misshapen (a chunk mid-answer that is
JSON but not a chunk's shape: its text is a list), slow (each token takes 200 ms more), hostile (the answer ends with
HTML, script and links a prompt-injected model might emit, and echoes the brief; see core/demo/hostile.py), buggy
(the developer's first version has a bug that the tester's tests find, so the fix loop runs; its revision with the
failing output as feedback is correct; other agents answer as usual), badedit (in a change request, the SEARCH text
of the developer's first edit is not in the file, so its edits fail and it is asked again; with that feedback its
edits apply).
"""

import random
from collections import Counter
from dataclasses import dataclass

KINDS = ("429", "500", "503", "401", "leaky401", "400", "cut", "stall", "malformed", "misshapen", "slow", "hostile",
         "buggy", "badedit")


@dataclass(frozen=True)
class Fault:
    kind: str
    retry_after_s: float = 1.0


class FaultPlanError(ValueError):
    pass


class FaultPlan:
    def __init__(self, spec: str = "") -> None:
        self.replan(spec)

    def replan(self, spec: str) -> None:
        """This plan from the next request on (a script starts again; rates count requests afresh)."""
        self.script: list[Fault | None] | None = None
        self.rates: list[tuple[Fault, float]] = []
        self._seed = "0"
        self._asked: Counter[str] = Counter()
        spec = spec.strip()
        if spec.startswith("script:"):
            self.script = [None if item.strip() == "ok" else _fault(item) for item in spec[7:].split(",")]
        elif spec:
            rates, _, seed = spec.partition(";seed=")
            self._seed = str(int(seed)) if seed else "0"
            for item in rates.split(","):
                name, _, rate = item.partition("=")
                self.rates.append((_fault(name), float(rate)))
            if sum(rate for _, rate in self.rates) > 1:
                raise FaultPlanError(f"fault rates add up to more than 1: {spec!r}")

    def next(self, asker: str = "") -> Fault | None:
        """The fault of the next request, if any. A script goes in the order requests arrive; with rates a request's
        draw depends only on the seed, who asks (`asker`: an agent of a run) and how many times it asked before, so
        that runs that interleave differently from one try to the next still meet the same faults."""
        if self.script is not None:
            return self.script.pop(0) if self.script else None
        if not self.rates:  # the demo model as the app serves it: nothing to draw, and no asker to keep count of
            return None
        self._asked[asker] += 1
        draw = random.Random(f"{self._seed}|{asker}|{self._asked[asker]}").random()
        for fault, rate in self.rates:
            if draw < rate:
                return fault
            draw -= rate
        return None


def _fault(text: str) -> Fault:
    kind, _, seconds = text.strip().partition("@")
    if kind not in KINDS:
        raise FaultPlanError(f"unknown fault {kind!r}; known: {', '.join(KINDS)}")
    return Fault(kind, float(seconds) if seconds else 1.0)
