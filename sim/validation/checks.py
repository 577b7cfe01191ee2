"""The validation checks: each runs replications and compares with theory or an identity."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from scipy import stats

from sim import api
from sim.demand import DOWN, UP
from sim.engine.ledger import DOWN_PATH, UP_PATH
from sim.freight.life import DELIVERED
from sim.results import Results
from sim.results.series import daily_growth
from sim.scenario.timeofday import format_hours
from sim.validation import theory

CONFIGS = Path(__file__).resolve().parents[2] / "configs"
LAB = CONFIGS / "validation.yaml"
TUTORIAL = CONFIGS / "tutorial.yaml"
CONFIDENCE = 0.99
RELATIVE_TOLERANCE = 0.01  # a narrow interval that misses by less than this still passes
DEFAULT_REPS = 10
# residents' parcels per day at the node under study, so that its population sets a rate
RATE_PER_RESIDENT = 0.01


@dataclass(frozen=True)
class Check:
    """One comparison: the simulated mean over replications, its interval, and theory."""

    case: str
    setting: str
    formula: str
    theory: float
    values: tuple[float, ...]
    unit: str
    identity: bool = False  # exact identities pass on relative error alone

    @property
    def mean(self) -> float:
        return float(np.mean(self.values))

    @property
    def interval(self) -> tuple[float, float]:
        values = np.asarray(self.values)
        if len(values) < 2 or values.std(ddof=1) == 0:
            return self.mean, self.mean
        low, high = stats.t.interval(CONFIDENCE, len(values) - 1, loc=values.mean(),
                                     scale=stats.sem(values))
        return float(low), float(high)

    @property
    def relative_error(self) -> float:
        return abs(self.mean - self.theory) / abs(self.theory) if self.theory else abs(self.mean)

    @property
    def passed(self) -> bool:
        low, high = self.interval
        inside = low <= self.theory <= high and not self.identity
        return inside or self.relative_error < RELATIVE_TOLERANCE


def _population(rate_per_h: float) -> int:
    return round(rate_per_h * 24 / RATE_PER_RESIDENT)


def _replicate(config: Path, overrides: Sequence[str], reps: int) -> Iterator[Results]:
    for seed in range(1, reps + 1):
        yield api.run(config, [*overrides, f"run.seed={seed}"])


def _station_wait(result: Results, mean_service_h: float) -> float:
    """Mean time residents' drop-offs wait before a line takes them: time in sorting minus
    the mean service time."""
    ledger = result.output.ledger
    rows = (ledger.flow == UP) & result.outcomes.measured
    sorted_h, arrived_h = ledger.times["station_sorted"][rows], ledger.times["station_arr"][rows]
    return float(np.mean(sorted_h - arrived_h) - mean_service_h)


def md1_sorting(reps: int) -> Iterator[Check]:
    """One constant-rate line fed by Poisson drop-offs is M/D/1."""
    service_rate = 100.0
    for rho in (0.5, 0.7, 0.9):
        arrival = rho * service_rate
        overrides = ["demand.up_per_resident_day=0.01", "facilities.station.rate_per_h=100",
                     f"node_overrides.S1.population={_population(arrival)}"]
        values = tuple(_station_wait(r, 1 / service_rate)
                       for r in _replicate(LAB, overrides, reps))
        yield Check("M/D/1 sorting line", f"rho = {rho}, mu = 100/h",
                    "Wq = rho / (2 mu (1 - rho))", theory.md1_wait(arrival, service_rate),
                    values, "h")


def mmc_sorting(reps: int) -> Iterator[Check]:
    """c lines with exponential service fed by Poisson drop-offs are M/M/c."""
    service_rate = 40.0
    for lines, rho in ((1, 0.9), (3, 0.5), (3, 0.7), (3, 0.9)):
        arrival = rho * lines * service_rate
        overrides = ["demand.up_per_resident_day=0.01", "facilities.station.rate_per_h=40",
                     f"facilities.station.lines={lines}", "facilities.station.service=exponential",
                     f"node_overrides.S1.population={_population(arrival)}"]
        values = tuple(_station_wait(r, 1 / service_rate)
                       for r in _replicate(LAB, overrides, reps))
        yield Check(f"M/M/{lines} sorting lines", f"c = {lines}, rho = {rho}, mu = 40/h",
                    "Wq = C(c, lambda/mu) / (c mu - lambda)",
                    theory.mmc_wait(arrival, service_rate, lines), values, "h")


def _gateway_wait(result: Results) -> float:
    ledger = result.output.ledger
    rows = (ledger.flow == DOWN) & result.outcomes.measured
    return float(np.mean(ledger.times["gateway_dep"][rows] - ledger.times["created"][rows]))


def periodic_departures(reps: int) -> Iterator[Check]:
    """Poisson arrivals for a vehicle every T hours with room for all wait T/2."""
    for per_day in (12, 6, 3):
        interval = 24 / per_day
        overrides = ["demand.down_per_resident_day=0.01",
                     f"node_overrides.V1.population={_population(50)}",
                     f"fleets.trunk.departures_per_day={per_day}"]
        values = tuple(_gateway_wait(r) for r in _replicate(LAB, overrides, reps))
        yield Check("Periodic departures, ample room", f"T = {interval:g} h, lambda = 50/h",
                    "W = T / 2", theory.periodic_departure_wait(interval), values, "h")


def _freight_wait(result: Results) -> float:
    """Mean time freight waits at the port for a truck: lead time less loading and driving."""
    goods, window = result.output.goods, result.window
    fleet = goods.plan.fleets[0]
    lots, life = goods.lots, goods.life
    rows = (life.fate == DELIVERED) & (lots.created >= window.start) & (lots.created < window.end)
    lead = life.ended[rows] - lots.created[rows]
    return float(lead.mean() - fleet.spec.stop_h - fleet.zones[0].leg_hours[0])


def freight_departures(reps: int) -> Iterator[Check]:
    """Goods run on their own vehicles and code: freight made at random times for trucks
    leaving every T hours with room for all waits T/2 too."""
    for per_day in (6, 4, 2):
        interval = 24 / per_day
        times = ", ".join(format_hours(i * interval) for i in range(per_day))
        overrides = ["products.freight.per_day=200",
                     f"hubs.port.fleets.line_haul.departures=[{times}]"]
        values = tuple(_freight_wait(r) for r in _replicate(LAB, overrides, reps))
        yield Check("Periodic freight departures, ample room", f"T = {interval:g} h, 200/day",
                    "W = T / 2", theory.periodic_departure_wait(interval), values, "h")


def _trunk_growth(result: Results) -> float:
    waiting = result.route_waiting
    trunk = next(r.index for r in result.output.network.routes if r.fleet == "trunk")
    window = result.window
    return float(daily_growth(waiting.mean[[trunk]], window.start, window.end)[0])


def short_capacity(reps: int) -> Iterator[Check]:
    """A vehicle carrying K an hour for lambda > K an hour: the queue grows by lambda - K."""
    capacity = 200
    for arrival in (250.0, 300.0):
        overrides = ["demand.down_per_resident_day=0.01",
                     f"node_overrides.V1.population={_population(arrival)}",
                     "fleets.trunk.vehicles=1", f"fleets.trunk.capacity={capacity}"]
        values = tuple(_trunk_growth(r) for r in _replicate(LAB, overrides, reps))
        yield Check("Backlog growth, capacity short",
                    f"lambda = {arrival:g}/h, K = {capacity}/h",
                    "growth = 24 (lambda - K) per day", 24 * (arrival - capacity), values,
                    "parcels/day")


def littles_law(reps: int) -> Iterator[Check]:
    """Each facility's time-average backlog equals arrival rate x mean time inside."""
    runs = list(_replicate(TUTORIAL, ["run.days=14"], reps))
    first = runs[0]
    for row, node in enumerate(first.load.nodes):
        name = str(first.output.network.tree.ids[node])
        averages, products = [], []
        for result in runs:
            average, product = _little_terms(result, row, int(node))
            averages.append(average)
            products.append(product)
        yield Check("Little's law", f"{name}: L from facility_hours, lambda W from parcels",
                    "L = lambda W", float(np.mean(products)), tuple(averages), "parcels",
                    identity=True)


def _little_terms(result: Results, row: int, node: int) -> tuple[float, float]:
    output, window = result.output, result.window
    tree, ledger = output.network.tree, output.ledger
    level = int(tree.level[node])
    kind = ("gateway", "hub", "park", "station", "point")[level]
    arrived, left = ledger.times[f"{kind}_arr"], ledger.times[f"{kind}_dep"]
    here = np.where(ledger.flow == DOWN, tree.ancestors[level, ledger.destination],
                    tree.ancestors[level, ledger.origin]) == node
    span = window.end - window.start
    entering = here & (arrived >= window.start) & (arrived < window.end)
    stay = np.where(np.isnan(left[entering]), output.end_h, left[entering]) - arrived[entering]
    average = float(result.load.backlog.mean[row, window.start:window.end].mean())
    return average, float(entering.sum() / span * stay.mean())


def stage_sum(reps: int) -> Iterator[Check]:
    """Every delivered parcel's lead time is the sum of its stage times."""
    worst = []
    for result in _replicate(TUTORIAL, [], min(reps, 3)):
        parcels = result.parcels()
        gaps = []
        for flow, path in (("down", DOWN_PATH), ("up", UP_PATH)):
            rows = parcels[(parcels["flow"] == flow) & parcels["lead_time_h"].notna()]
            # a stage never visited takes no time: carry the previous stamp over it
            stamps = rows[[f"{stage}_h" for stage in path]].ffill(axis=1).to_numpy()
            stage_times = np.diff(stamps, axis=1)
            gaps.append(np.abs(stage_times.sum(axis=1) - rows["lead_time_h"].to_numpy())
                        .max(initial=0))
        worst.append(max(gaps))
    yield Check("Lead time = sum of stage times", "tutorial, all delivered parcels",
                "max |lead - sum(stages)|", 0.0, tuple(worst), "h", identity=True)
