"""How much volume the network carries: an analytic bound per resource, and a search.

The analytic table needs no simulation: each resource's nominal capacity per day (sorting
rate x lines x shift hours; vehicles x capacity x trips a day; shelf slots against the
parcels a shelf holds on average) against what an ordinary day at `demand.multiplier` 1
asks of it. Its ratio is the multiplier at which that resource saturates. The search
simulates, with replications, to find the largest multiplier at which the network still
meets its targets and no backlog grows, and names what breaks first. The simulation should
agree with the bound of the resource it names.
"""

from __future__ import annotations

import difflib
import math
import operator
import re
from collections import Counter
from collections.abc import Callable, Sequence
from concurrent.futures import Executor
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from sim.clock import DailyClock
from sim.errors import ScenarioError
from sim.experiment.replicate import replicate
from sim.network import COURIER, HUB, POINT, STATION, Network, build_network
from sim.scenario import LoadedScenario, with_overrides
from sim.scenario.models import NODE_KINDS

SECONDS_PER_HOUR = 3600.0
UNSTABLE_SHARE = 0.5  # a multiplier fails if more than this share of replications is unstable


def analytic_capacity(scenario: LoadedScenario, network: Network | None = None) -> pd.DataFrame:
    """One row per resource: capacity and ordinary-day demand per day, and their ratio."""
    network = network or build_network(scenario)
    config, tree = scenario.config, network.tree
    down = tree.population * config.demand.down_per_resident_day
    up = tree.population * config.demand.up_per_resident_day
    below_down, below_up = tree.subtree_sum(down), tree.subtree_sum(up)
    rows = []
    specs = {HUB: config.facilities.hub, 2: config.facilities.park,
             STATION: config.facilities.station}
    rates = scenario.nodes["sort_rate_per_h"].to_numpy()
    for node in np.flatnonzero((tree.level >= HUB) & (tree.level <= STATION)):
        spec = specs[int(tree.level[node])]
        rate = spec.rate_per_h if np.isnan(rates[node]) else rates[node]
        hours = DailyClock(spec.shifts).open_per_day
        rows.append(_row(f"sorting:{tree.ids[node]}", "sorting line",
                         NODE_KINDS[tree.level[node]], rate * spec.lines * hours,
                         below_down[node] + below_up[node]))
    shares = config.carrier_shares()
    for route in network.routes:
        fleet = route.spec
        if route.fleet == COURIER:
            demand = down[route.base]
        else:
            demand = max(below_down[route.stops].sum(), below_up[route.stops].sum())
        if route.carrier >= 0:  # one carrier's own vehicles carry its share
            demand *= shares[route.carrier]
        cycle = (fleet.load_h + fleet.load_s_per_parcel * fleet.capacity / SECONDS_PER_HOUR
                 + route.leg_hours.sum() + len(route.stops) * fleet.stop_h
                 + fleet.stop_s_per_parcel * fleet.capacity / SECONDS_PER_HOUR
                 + (config.fleets.courier.round_h if route.fleet == COURIER else 0.0))
        trips = 24.0 / cycle if fleet.dispatch == "cutoff_or_full" else min(
            len(fleet.departures), 24.0 / cycle)
        rows.append(_row(f"route:{route.name}", "vehicle route", route.fleet,
                         route.vehicles * fleet.capacity * trips, demand))
    rows += _shelf_rows(scenario, tree, down)
    table = pd.DataFrame(rows).sort_values("bound", kind="stable").reset_index(drop=True)
    table.insert(0, "rank", np.arange(1, len(table) + 1))
    return table


def _row(resource: str, kind: str, tier: str, capacity: float, demand: float) -> dict:
    return {"resource": resource, "kind": kind, "tier": tier,
            "capacity_per_day": float(capacity), "demand_per_day": float(demand),
            "utilisation": float(demand / capacity) if capacity else np.inf,
            "bound": float(capacity / demand) if demand else np.inf}


def _shelf_rows(scenario: LoadedScenario, tree, down: np.ndarray) -> list[dict]:
    """A shelf holds arrivals x mean stay (Little's law); slots bound that mean."""
    config = scenario.config
    pickup, point = config.pickup, config.facilities.point
    open_share = DailyClock(point.opening_hours).open_per_day / 24.0
    stay_days = pickup.mean_delay_h / open_share / 24.0
    slots = scenario.nodes["shelf_slots"].to_numpy()
    rows = []
    for node in tree.of_level(POINT):
        held = down[node] * (1 - pickup.door_share) * stay_days
        capacity = point.shelf_slots if np.isnan(slots[node]) else slots[node]
        rows.append(_row(f"shelf:{tree.ids[node]}", "village shelf", "point", capacity, held))
    return rows


_TARGET = re.compile(r"^\s*([\w.]+)\s*(<=|>=|<|>)\s*([-+0-9.eE]+)\s*$")
_OPS = {"<=": operator.le, ">=": operator.ge, "<": operator.lt, ">": operator.gt}


@dataclass(frozen=True)
class Target:
    kpi: str
    op: str
    value: float

    @staticmethod
    def parse(text: str) -> Target:
        match = _TARGET.match(text)
        value = _finite(match.group(3)) if match else None
        if match is None or value is None:
            raise ScenarioError(f"--target {text}", "", "expected KPI<=VALUE with a finite "
                                "number, e.g. by_tier.point.lead_time_h.p95<=72")
        return Target(match.group(1), match.group(2), value)

    def check_known(self, kpis: Sequence[str]) -> None:
        """Refuse a target on a KPI the runs do not have, naming the closest that exist."""
        if self.kpi in kpis:
            return
        close = difflib.get_close_matches(self.kpi, kpis, n=5, cutoff=0.5)
        hint = f"; did you mean {', '.join(close)}?" if close else \
            f"; KPIs are named like {', '.join(list(kpis)[:3])}"
        raise ScenarioError(f"--target {self}", self.kpi, f"no such KPI{hint}")

    def holds(self, value: float) -> bool:
        return bool(_OPS[self.op](value, self.value))

    def __str__(self) -> str:
        return f"{self.kpi}{self.op}{self.value:g}"


def _finite(text: str) -> float | None:
    """The number, or None for what the pattern lets through but is none ("1e", "..")."""
    try:
        value = float(text)
    except ValueError:
        return None
    return value if math.isfinite(value) else None


@dataclass
class Evaluation:
    multiplier: float
    passed: bool
    reasons: list[str]
    unstable: Counter


@dataclass
class CapacityResult:
    capacity: float  # the largest multiplier found to pass (0 if none)
    failed_at: float | None  # the smallest multiplier found to fail
    binding: str | None  # what broke first at `failed_at`
    evaluations: list[Evaluation] = field(default_factory=list)
    stopped: str | None = None  # why the search went no higher, short of a failure


class BeyondLimits(Exception):
    """A multiplier whose run the limits (or the schema) refuse."""


def search_capacity(scenario: LoadedScenario, targets: Sequence[Target] = (), reps: int = 3,
                    executor: Executor | None = None, tolerance: float = 0.02,
                    log: Callable[[Evaluation], None] | None = None) -> CapacityResult:
    """Bracket, then bisect, the largest demand.multiplier that passes."""
    evaluations: list[Evaluation] = []

    def evaluate(multiplier: float) -> Evaluation:
        try:
            point = with_overrides(scenario, [f"demand.multiplier={multiplier!r}"])
        except ScenarioError as error:  # the schema's or the limits' bound on the volume
            raise BeyondLimits(f"demand.multiplier {multiplier:.4g}: {error.field}: "
                               f"{error.problem}") from None
        runs = replicate(point, reps, executor)
        if runs.errors():
            raise RuntimeError("; ".join(runs.errors()))
        unstable = Counter(r.unstable[0] for r in runs.ok if r.unstable)
        reasons = []
        if sum(unstable.values()) > UNSTABLE_SHARE * len(runs.ok):
            reasons.append(f"backlog grows at {unstable.most_common(1)[0][0]}")
        means = runs.kpis().set_index("kpi")["mean"]
        for target in targets:
            target.check_known(list(means.index))
            if not target.holds(float(means[target.kpi])):
                reasons.append(f"{target} fails ({means[target.kpi]:.4g})")
        result = Evaluation(multiplier, not reasons, reasons, unstable)
        evaluations.append(result)
        if log is not None:
            log(result)
        return result

    start = scenario.config.demand.multiplier or 1.0
    low, high = 0.0, None
    first = evaluate(start)
    if first.passed:
        low, probe = start, start * 2
        while True:
            try:
                if not evaluate(probe).passed:
                    break
            except BeyondLimits as error:  # the search can go no higher
                return CapacityResult(low, None, None, evaluations, stopped=str(error))
            low, probe = probe, probe * 2
            if probe > 1e4:
                return CapacityResult(low, None, None, evaluations)
        high = probe
    else:
        high, probe = start, start / 2
        while not evaluate(probe).passed:
            high, probe = probe, probe / 2
            if probe < 1e-3:
                return CapacityResult(0.0, high, _binding(evaluations, high), evaluations)
        low = probe
    while (high - low) / high > tolerance:
        middle = (low + high) / 2
        if evaluate(middle).passed:
            low = middle
        else:
            high = middle
    return CapacityResult(low, high, _binding(evaluations, high), evaluations)


def _binding(evaluations: list[Evaluation], at: float) -> str | None:
    failed = next(e for e in evaluations if e.multiplier == at)
    if failed.unstable:
        return failed.unstable.most_common(1)[0][0]
    return failed.reasons[0] if failed.reasons else None
