"""A fault plan's rates: each asker meets the same faults however the askers' requests interleave."""

import random

import pytest

from core.demo.faults import FaultPlan, FaultPlanError

MIX = "429=0.06,500=0.06,503=0.06,cut=0.06,malformed=0.03,stall=0.03;seed=5"
ASKERS = [f"{agent}|brief {run}" for run in range(5) for agent in ("analyst", "architect", "developer")]


def kinds(plan: FaultPlan, order: list[str]) -> dict[str, list[str | None]]:
    met: dict[str, list[str | None]] = {asker: [] for asker in ASKERS}
    for asker in order:
        fault = plan.next(asker)
        met[asker].append(fault.kind if fault else None)
    return met


def test_each_asker_meets_the_same_faults_in_any_interleaving():
    in_turn = [asker for asker in ASKERS for _ in range(20)]
    shuffled = random.Random(1).sample(in_turn, len(in_turn))
    first = kinds(FaultPlan(MIX), in_turn)
    assert first == kinds(FaultPlan(MIX), shuffled)
    drawn = [kind for met in first.values() for kind in met]
    assert 0.2 < sum(kind is not None for kind in drawn) / len(drawn) < 0.4  # the rates hold: 30 % in all
    assert first != kinds(FaultPlan(MIX.replace("seed=5", "seed=6")), in_turn)


def test_a_replan_starts_afresh_and_a_script_goes_in_arrival_order():
    plan = FaultPlan(MIX)
    first = [plan.next("analyst|x") for _ in range(20)]
    plan.replan("script:500,ok")
    assert [plan.next("anyone").kind, plan.next("other"), plan.next("anyone")] == ["500", None, None]
    plan.replan(MIX)
    assert [plan.next("analyst|x") for _ in range(20)] == first


def test_rates_above_one_are_refused():
    with pytest.raises(FaultPlanError, match="more than 1"):
        FaultPlan("429=0.6,500=0.6")
