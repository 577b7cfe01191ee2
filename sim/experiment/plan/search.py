"""The cheapest plan that meets the targets: candidates judged by simulation with common
random numbers, the recommended one verified on fresh seeds.

Every candidate runs replications 0..reps-1 of each condition, so two candidates differ by
their decisions, not by their luck (common random numbers). A candidate is feasible when
the mean of every target's KPI meets it in every condition (and, with `stable`, no
resource's backlog keeps growing in most replications). Its cost per day is the simulated
cost of the first condition's measured days (vehicle-days, km, handling) plus the plan
file's investment per unit.

Two searches. `exhaustive` evaluates every candidate: the ground truth where the space is
small. `greedy` starts from the scenario as it is and moves one unit at a time: while any
target fails, it adds the unit that removes the most shortfall per yuan; once all hold,
it removes the unit that saves the most while all still hold. Each step evaluates all
neighbours at once, on the executor's workers.

The recommended plan is the cheapest feasible candidate whose targets also hold on
`verify_reps` fresh seeds (replications never used in the search), judged by the 95%
interval, not the mean: a plan that meets a target only by noise is not recommended; the
next cheapest is verified instead.
"""

from __future__ import annotations

import copy
import itertools
import math
import time
from collections.abc import Callable, Sequence
from concurrent.futures import Executor
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from sim.errors import ScenarioError
from sim.experiment.capacity import UNSTABLE_SHARE, Target
from sim.experiment.kpis import interval
from sim.experiment.plan.file import PlanFile, Variable, overrides_of
from sim.experiment.plan.store import RunStore
from sim.experiment.runner import run_tasks
from sim.experiment.tasks import PointTask, RepResult
from sim.scenario import LoadedScenario, with_overrides

FRESH = 1_000_000  # verification replications start here: never used by a search
VERIFIED_AT_MOST = 5  # feasible candidates verified, cheapest first, before giving up
COST = "cost_per_day"

Candidate = tuple[int, ...]


@dataclass
class Judged:
    """A candidate's replications in each condition, and what they say."""

    values: Candidate
    cost_per_day: float  # simulated (first condition) plus investments
    kpis: dict[str, dict[str, list[float]]]  # condition -> kpi -> one value per replication
    unstable: dict[str, float]  # condition -> share of replications with a growing backlog
    errors: list[str] = field(default_factory=list)

    def mean(self, condition: str, kpi: str) -> float:
        values = [v for v in self.kpis[condition].get(kpi, []) if not math.isnan(v)]
        return float(np.mean(values)) if values else math.nan


@dataclass
class Verdict:
    """A target in one condition on fresh seeds: mean, 95% interval, and whether it holds."""

    condition: str
    target: str
    mean: float
    ci_low: float
    ci_high: float
    held: bool  # the whole interval meets the target
    by_mean: bool  # the mean meets it (held or within noise)


@dataclass
class PlanResult:
    variables: list[Variable]
    baseline: Judged
    best: Judged | None  # the recommended plan, verified
    verdicts: list[Verdict]
    verified_cost: tuple[float, float, float] | None  # mean, ci_low, ci_high on fresh seeds
    feasible: bool
    method: str
    judged: list[Judged]
    runs: int
    seconds: float
    binding: dict | None = None  # when infeasible: which target binds, best value, cost
    frontier: list[tuple[Target, PlanResult]] = field(default_factory=list)  # target, plan
    # the scenario as it is on the same fresh seeds, to set the plan against
    baseline_verdicts: list[Verdict] = field(default_factory=list)
    baseline_cost: tuple[float, float, float] | None = None
    changes: pd.DataFrame | None = None  # what the plan adds or removes where (output.py)

    def overrides(self, judged: Judged | None = None) -> list[str]:
        chosen = judged or self.best
        return [] if chosen is None else overrides_of(self.variables)(chosen.values)


class Evaluator:
    """Judges candidates under every condition, each once (results are kept)."""

    def __init__(self, scenario: LoadedScenario, plan: PlanFile, found: list[Variable],
                 targets: list[Target], pool: Executor,
                 progress: Callable[[int], None] | None = None,
                 store: RunStore | None = None,
                 planned: Callable[[int], None] | None = None) -> None:
        self.scenario, self.plan, self.variables, self.targets = scenario, plan, found, targets
        self.pool, self.progress, self.store = pool, progress, store
        self.planned = planned  # told the runs asked for so far, at each batch: an ETA
        self.overrides = overrides_of(found)
        self.kept: dict[Candidate, Judged] = {}
        self.runs = 0
        self.asked = [0]  # runs asked for by this search and its frontier's (shared)

    def judge(self, candidates: Sequence[Candidate],
              reps: Sequence[int] | None = None) -> list[Judged]:
        """The candidates' results, simulating those not judged yet (all at once)."""
        fresh = reps is not None
        wanted = [c for c in dict.fromkeys(candidates) if fresh or c not in self.kept]
        reps = tuple(reps if fresh else range(self.plan.reps))
        tasks, found, days = [], {}, {}
        results: dict[str, list[RepResult]] = {}
        for index, values in enumerate(wanted):
            for condition, extra in self.plan.conditions.items():
                scenario = with_overrides(self.scenario, [*extra, *self.overrides(values)])
                run = scenario.config.run
                days[condition] = run.days - run.warmup_days  # the measured window
                kept = self.store.get(scenario, reps) if self.store else None
                if kept is not None:  # run before this search was cut short
                    results[f"{index}:{condition}"] = kept
                else:
                    tasks.append(PointTask(f"{index}:{condition}", scenario, reps))

        self.asked[0] += sum(len(task.reps) for task in tasks)
        if self.planned:
            self.planned(self.asked[0])

        def done(task: PointTask, reps_done: list[RepResult]) -> None:
            results[task.point] = reps_done
            if self.store:
                self.store.put(task.scenario, task.reps, reps_done)
            self.runs += len(reps_done)
            if self.progress:
                self.progress(len(reps_done))

        run_tasks(tasks, self.pool, done)
        for index, values in enumerate(wanted):
            found[values] = self._judged(values, {c: results[f"{index}:{c}"]
                                                  for c in self.plan.conditions}, days)
            if not fresh:
                self.kept[values] = found[values]
        return [found[c] if c in found else self.kept[c] for c in candidates]

    def _judged(self, values: Candidate, by_condition: dict[str, list[RepResult]],
                days: dict[str, int]) -> Judged:
        kpis: dict[str, dict[str, list[float]]] = {}
        unstable: dict[str, float] = {}
        errors = [f"{condition}: {r.error}" for condition, reps in by_condition.items()
                  for r in reps if not r.ok]
        for condition, reps in by_condition.items():
            good = [r for r in reps if r.ok]
            names = {k for r in good for k in r.kpis}
            table = {k: [r.kpis.get(k, math.nan) for r in good] for k in names}
            table[COST] = [r.kpis.get("cost.total", math.nan) / days[condition]
                           for r in good]
            kpis[condition] = table
            unstable[condition] = sum(bool(r.unstable) for r in good) / max(len(good), 1)
        first = next(iter(self.plan.conditions))
        investment = sum(v.investment(value)
                         for v, value in zip(self.variables, values, strict=True))
        simulated = kpis[first][COST]
        cost = float(np.mean(simulated)) + investment if simulated else math.inf
        return Judged(values, cost, kpis, unstable, errors)

    def with_targets(self, targets: list[Target]) -> Evaluator:
        """The same candidates judged against other targets: what has run is kept and shared,
        only verification runs again."""
        other = copy.copy(self)  # shares `kept`
        other.targets, other.runs = targets, 0
        return other

    def shortfall(self, judged: Judged) -> float:
        """How far a candidate is from meeting every target, each relative to its bound (0
        when all hold); a growing backlog or a failed run counts 1 each."""
        if judged.errors:
            return math.inf
        total = 0.0
        for condition in self.plan.conditions:
            for target in self.targets:
                value = judged.mean(condition, target.kpi)
                if math.isnan(value):
                    total += 1.0
                elif not target.holds(value):
                    total += abs(value - target.value) / max(abs(target.value), 1e-9)
            if self.plan.stable and judged.unstable[condition] > UNSTABLE_SHARE:
                total += 1.0
        return total

    def feasible(self, judged: Judged) -> bool:
        return self.shortfall(judged) == 0.0


def search(evaluator: Evaluator, source: str, method: str | None = None,
           start: Candidate | None = None, against: bool = True) -> PlanResult:
    """The cheapest verified plan (see the module's docstring); `method` overrides the
    plan file's; a greedy search starts from `start` (default: the scenario as it is).
    `against`: the scenario as it is is also run on the same fresh seeds, so that the plan
    is set against it with intervals (skipped when it is the plan)."""
    started = time.perf_counter()
    plan, found, targets = evaluator.plan, evaluator.variables, evaluator.targets
    chosen = method or plan.method
    if chosen == "auto":
        chosen = "exhaustive" if space_size(found) <= plan.max_exhaustive else "greedy"
    if chosen == "exhaustive":
        _check_size(evaluator, source)
    baseline = evaluator.judge([tuple(v.baseline for v in found)])[0]
    if baseline.errors:
        raise ScenarioError(source, "", f"the scenario itself fails: {baseline.errors[0]}")
    kpis = next(iter(baseline.kpis.values()))
    for target in targets:
        target.check_known(list(kpis))
    if chosen == "exhaustive":
        everything = list(itertools.product(*(range(v.low, v.high + 1) for v in found)))
        judged = evaluator.judge(everything)
    else:
        judged = greedy(evaluator, baseline if start is None else evaluator.judge([start])[0])
    feasible = sorted((j for j in judged if evaluator.feasible(j)),
                      key=lambda j: (j.cost_per_day, j.values))
    best, verdicts, verified_cost = None, [], None
    for candidate in feasible[:VERIFIED_AT_MOST]:
        verdicts, verified_cost = verify(evaluator, candidate)
        if all(v.held for v in verdicts):
            best = candidate
            break
    binding = None
    if best is None and feasible:  # met on the search's replications, never on fresh seeds
        failing = next(v for v in verdicts if not v.held)
        binding = {"condition": failing.condition, "target": failing.target,
                   "best_value": failing.mean, "at_cost_per_day": feasible[0].cost_per_day,
                   "overrides": evaluator.overrides(feasible[0].values),
                   "not_verified": True}
    elif best is None:
        binding = _binding(evaluator, judged)
    result = PlanResult(found, baseline, best, verdicts, verified_cost, best is not None,
                        chosen, judged, evaluator.runs, 0.0, binding)
    if against:
        result.baseline_verdicts, result.baseline_cost = (
            (verdicts, verified_cost) if best is baseline else verify(evaluator, baseline))
        result.runs = evaluator.runs
    result.seconds = time.perf_counter() - started
    return result


def frontier(evaluator: Evaluator, source: str, method: str | None = None,
             planned: PlanResult | None = None) -> list[tuple[Target, PlanResult]]:
    """The plan at each value of the frontier's target (the others kept, or dropped with
    `others: drop`), from the candidates already judged where the search meets them again.
    A greedy search starts from the `planned` result's plan: a looser target only removes
    units from it, a tighter one adds to it, so each level costs a few steps rather than a
    whole search."""
    plan = evaluator.plan
    start = planned.best.values if planned is not None and planned.best is not None else None
    if plan.frontier is None:
        return []
    place = plan.frontier.target
    levels = []
    for value in plan.frontier.values:
        level = Target(evaluator.targets[place].kpi, evaluator.targets[place].op, float(value))
        targets = [level] if plan.frontier.others == "drop" else [
            level if index == place else target
            for index, target in enumerate(evaluator.targets)]
        levels.append((level, search(evaluator.with_targets(targets), source, method, start,
                                     against=False)))
    return levels


def space_size(found: Sequence[Variable]) -> int:
    return math.prod(v.high - v.low + 1 for v in found)


def _check_size(evaluator: Evaluator, source: str) -> None:
    """An exhaustive search's runs, refused beyond the runs limit before any is made."""
    plan, limits = evaluator.plan, evaluator.scenario.files.limits
    runs = space_size(evaluator.variables) * len(plan.conditions) * plan.reps
    if runs > limits.runs:
        raise ScenarioError(source, "method", (
            f"an exhaustive search of {space_size(evaluator.variables):,} candidates x "
            f"{len(plan.conditions)} conditions x {plan.reps} replications = {runs:,} runs, "
            f"more than the limit of {limits.runs:,} ({limits.variable('runs')}); narrow "
            "the ranges or use method: greedy"))


def greedy(evaluator: Evaluator, start: Judged) -> list[Judged]:
    """Add the unit with the most shortfall removed per yuan until every target holds, then
    remove the unit that saves the most while they all still hold."""
    current = start
    bounds = [(v.low, v.high) for v in evaluator.variables]
    while not evaluator.feasible(current):
        ups = _neighbours(current.values, bounds, +1)
        if not ups:
            break
        now = evaluator.shortfall(current)
        judged = evaluator.judge(ups)
        gains = [(now - evaluator.shortfall(j)) / max(j.cost_per_day - current.cost_per_day,
                                                      1e-6) for j in judged]
        best = int(np.argmax(gains))
        if gains[best] <= 0:
            break  # no single unit helps: infeasible as far as this search can tell
        current = judged[best]
    while evaluator.feasible(current):
        downs = _neighbours(current.values, bounds, -1)
        cheaper = [j for j in evaluator.judge(downs)
                   if evaluator.feasible(j) and j.cost_per_day < current.cost_per_day]
        if not cheaper:
            break
        current = min(cheaper, key=lambda j: (j.cost_per_day, j.values))
    return list(evaluator.kept.values())


def _neighbours(values: Candidate, bounds: list[tuple[int, int]], step: int) -> list[Candidate]:
    found = []
    for index, (low, high) in enumerate(bounds):
        moved = values[index] + step
        if low <= moved <= high:
            found.append((*values[:index], moved, *values[index + 1:]))
    return found


def verify(evaluator: Evaluator, judged: Judged) -> tuple[list[Verdict],
                                                          tuple[float, float, float]]:
    """The candidate's targets on fresh seeds, with 95% intervals, and its cost per day."""
    plan = evaluator.plan
    fresh = evaluator.judge([judged.values], reps=range(FRESH, FRESH + plan.verify_reps))[0]
    verdicts = []
    for condition in plan.conditions:
        for target in evaluator.targets:
            mean, low, high = interval(fresh.kpis[condition].get(target.kpi, []))
            worst = high if target.op in ("<=", "<") else low
            verdicts.append(Verdict(condition, str(target), mean, low, high,
                                    bool(target.holds(worst)), bool(target.holds(mean))))
        if plan.stable and fresh.unstable[condition] > UNSTABLE_SHARE:
            verdicts.append(Verdict(condition, "stable", fresh.unstable[condition],
                                    math.nan, math.nan, False, False))
    first = next(iter(plan.conditions))
    investment = judged.cost_per_day - float(np.mean(judged.kpis[first][COST]))
    mean, low, high = interval(fresh.kpis[first][COST])
    return verdicts, (mean + investment, low + investment, high + investment)


def _binding(evaluator: Evaluator, judged: list[Judged]) -> dict:
    """For an infeasible search: the target furthest from holding (or a growing backlog) at
    the candidate that came closest, its value there, and that candidate's cost."""
    closest = min(judged, key=lambda j: (evaluator.shortfall(j), j.cost_per_day))
    misses = []  # (how far, condition, target, value)
    for condition in evaluator.plan.conditions:
        for target in evaluator.targets:
            value = closest.mean(condition, target.kpi)
            if math.isnan(value) or not target.holds(value):
                gap = abs(value - target.value) / max(abs(target.value), 1e-9)
                misses.append((gap if not math.isnan(gap) else math.inf, condition,
                               str(target), value))
        share = closest.unstable[condition]
        if evaluator.plan.stable and share > UNSTABLE_SHARE:
            misses.append((1.0, condition, "stable", share))
    _gap, condition, target, value = max(misses, key=lambda miss: miss[0])
    return {"condition": condition, "target": target, "best_value": value,
            "at_cost_per_day": closest.cost_per_day,
            "overrides": evaluator.overrides(closest.values)}
