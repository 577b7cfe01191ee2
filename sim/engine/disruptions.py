"""A scenario's disruptions as the engine applies them, random ones drawn first.

Random disruptions (breakdowns, outages, weather days) are drawn here, before the run, each
from its own stream (`STREAM_DISRUPTIONS`, keyed by the route, the facility or the weather's
name): demand, travel times and everything else draw exactly what the undisrupted twin
draws. What comes out is plain data per facility, node and route, in simulated hours:

- `line_periods`: a sorting line's (start, end, factor) periods (0: down);
- `closed`: stations and points closed, as (start, end) periods;
- `vehicles_out`: a route's changes in vehicles out of service, as (time, change);
- `road_periods`: periods in which roads are closed or slowed, and each route's legs then
  (None where some stop cannot be reached: its vehicles wait at the base);
- `arrival_holds`: periods in which the gateway's inflow is stopped;
- `power_cuts`: periods in which a cold-chain base's store has no power.
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections import defaultdict
from dataclasses import dataclass, field

import numpy as np

from sim.demand import STREAM_DEMAND, node_stream
from sim.network import Network, Route, loop_legs
from sim.network.roads import NoRoad, Roads
from sim.network.tree import GATEWAY, LEVEL, STATION
from sim.scenario.areas import NodeTable, area_nodes, period_hours
from sim.scenario.disruptions import (
    Area,
    Disruptions,
    Outages,
    PowerCuts,
    RoadDisruption,
    Weather,
)
from sim.scenario.loader import LoadedScenario
from sim.scenario.sizes import over_limit

STREAM_DISRUPTIONS = STREAM_DEMAND + 20
HOURS_PER_YEAR = 8760.0


@dataclass(frozen=True)
class RouteLegs:
    """A route's legs while some roads are closed or slowed."""

    hours: np.ndarray
    km: np.ndarray


@dataclass
class Event:
    """One disruption as it happened in this run, for the tables and the map."""

    kind: str  # road, facility, closure, fleet, arrivals, power
    name: str
    start_h: float
    end_h: float
    nodes: list[int] = field(default_factory=list)  # facilities, stops or bases hit
    roads: list[tuple[int, int]] = field(default_factory=list)  # roads closed or slowed
    hubs: list[str] = field(default_factory=list)  # cold stores without power
    severity: float = 0.0  # speed or rate factor (0: closed, down), or vehicles out
    random: bool = False


@dataclass
class DisruptionPlan:
    line_periods: dict[int, list[tuple[float, float, float]]] = field(default_factory=dict)
    closed: dict[int, list[tuple[float, float]]] = field(default_factory=dict)
    vehicles_out: dict[int, list[tuple[float, int]]] = field(default_factory=dict)
    road_periods: list[tuple[float, float, dict[int, RouteLegs | None]]] = field(
        default_factory=list)
    arrival_holds: list[tuple[float, float]] = field(default_factory=list)
    power_cuts: dict[str, list[tuple[float, float]]] = field(default_factory=dict)  # by hub
    events: list[Event] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        return not self.events

    def hold_arrivals(self, ready: np.ndarray) -> np.ndarray:
        """Ready times at the gateway with its inflow stopped: held to each stop's end."""
        for start, end in self.arrival_holds:
            ready = np.where((ready >= start) & (ready < end), end, ready)
        return ready


def plan_disruptions(scenario: LoadedScenario, network: Network) -> DisruptionPlan:
    """The scheduled disruptions and this replication's draw of the random ones."""
    config = scenario.config
    disruptions: Disruptions = config.disruptions
    plan = DisruptionPlan()
    if not disruptions.any:
        return plan
    builder = _Builder(scenario, network, plan)
    builder.check_size()
    for number, item in enumerate(disruptions.facilities):
        kinds = tuple(item.kinds) or ("hub", "park", "station")
        start, end = builder.hours(item, f"facilities.{number}")
        nodes = builder.nodes(item, f"facilities.{number}", kinds)
        builder.line_down(item.name, start, end, nodes, 0.0 if item.down else item.rate_factor)
    for number, item in enumerate(disruptions.closures):
        start, end = builder.hours(item, f"closures.{number}")
        builder.close(item.name, start, end, builder.nodes(item, f"closures.{number}",
                                                           tuple(item.kinds)))
    for number, item in enumerate(disruptions.fleets):
        start, end = builder.hours(item, f"fleets.{number}")
        builder.fleet_out(item, start, end)
    for number, item in enumerate(disruptions.arrivals):
        start, end = builder.hours(item, f"arrivals.{number}")
        plan.arrival_holds.append((start, end))
        gateway = int(network.tree.of_level(GATEWAY)[0])
        plan.events.append(Event("arrivals", item.name, start, end, nodes=[gateway]))
    for number, item in enumerate(disruptions.power):
        start, end = builder.hours(item, f"power.{number}")
        builder.power_cut(item.name, start, end, item.hubs)
    road_items: list[tuple[float, float, RoadDisruption | Weather, bool]] = []
    for number, item in enumerate(disruptions.roads):
        road_items.append((*builder.hours(item, f"roads.{number}"), item, False))
    random = disruptions.random
    for number, breakdowns in enumerate(random.breakdowns):
        builder.breakdowns(breakdowns.name, breakdowns.fleet, breakdowns.mtbf_h,
                           breakdowns.mttr_h, number)
    for number, outages in enumerate(random.outages):
        builder.outages(outages, number)
    for number, cuts in enumerate(random.power_cuts):
        builder.power_cuts(cuts, number)
    for number, weather in enumerate(random.weather):
        road_items += [(start, end, weather, True)
                       for start, end in builder.bad_days(weather, number)]
    builder.roads(road_items)
    plan.events.sort(key=lambda e: (e.start_h, e.kind, e.name))
    return plan


class _Builder:
    def __init__(self, scenario: LoadedScenario, network: Network, plan: DisruptionPlan) -> None:
        self.scenario, self.network, self.plan = scenario, network, plan
        self.config = scenario.config
        self.file = scenario.files.label(scenario.path)
        self.table = NodeTable(scenario.nodes)
        self.end_h = (self.config.run.days + self.config.run.drain_days) * 24.0

    def check_size(self) -> None:
        """Refuse, before drawing anything, more disruptions than the limits allow: random
        ones counted by their expected number (a vehicle's breakdowns over the run, a
        facility's outages, the days of weather)."""
        disruptions = self.config.disruptions
        random = disruptions.random
        expected = float(len(disruptions.scheduled()))
        for item in random.breakdowns:
            vehicles = sum(r.vehicles for r in self.network.routes if r.fleet == item.fleet)
            expected += vehicles * self.end_h / (item.mtbf_h + item.mttr_h)
        level = self.network.tree.level
        for item in random.outages:
            facilities = np.count_nonzero(np.isin(level, [LEVEL[k] for k in item.kinds]))
            expected += facilities * item.per_year * self.end_h / HOURS_PER_YEAR
        for item in random.power_cuts:
            expected += len(item.hubs) * item.per_year * self.end_h / HOURS_PER_YEAR
        expected += len(random.weather) * np.ceil(self.end_h / 24.0)
        self._check_limit("disruptions", expected, "disruptions expected (random ones by "
                          "their mean number)")

    def _check_limit(self, name: str, count: float, what: str) -> None:
        error = over_limit(self.scenario.files.limits, name, what, count, self.file,
                           "disruptions")
        if error is not None:
            raise error

    def hours(self, item, field: str) -> tuple[float, float]:
        return period_hours(self.config, item, self.file, f"disruptions.{field}")

    def nodes(self, area: Area, field: str, kinds: tuple[str, ...]) -> np.ndarray:
        mask = area_nodes(area, self.table, self.file, f"disruptions.{field}")
        levels = [LEVEL[kind] for kind in kinds]
        return np.flatnonzero(mask & np.isin(self.network.tree.level, levels))

    def stream(self, *keys: str | int) -> np.random.Generator:
        """A random disruption's own stream, keyed by its name (its place in its list when
        it has none), so that it draws the same alone as among other risks."""
        return node_stream(self.config.run, STREAM_DISRUPTIONS, *keys)

    # -- facilities and stops --------------------------------------------------------

    def line_down(self, name: str, start: float, end: float, nodes: np.ndarray,
                  factor: float, random: bool = False) -> None:
        for node in nodes.tolist():
            self.plan.line_periods.setdefault(node, []).append((start, end, factor))
        if len(nodes):
            self.plan.events.append(Event("facility", name, start, end, nodes.tolist(),
                                          severity=factor, random=random))

    def close(self, name: str, start: float, end: float, nodes: np.ndarray) -> None:
        level = self.network.tree.level
        for node in nodes.tolist():
            self.plan.closed.setdefault(node, []).append((start, end))
            if level[node] == STATION:  # its line stops too
                self.plan.line_periods.setdefault(node, []).append((start, end, 0.0))
        if len(nodes):
            self.plan.events.append(Event("closure", name, start, end, nodes.tolist()))

    def outage_periods(self, rng: np.random.Generator, per_year: float, mean: float,
                       cv: float) -> list[tuple[float, float]]:
        """A Poisson number of outages over the run, starting at uniform times, lasting
        lognormal times of mean `mean` and coefficient of variation `cv` (0: fixed)."""
        count = rng.poisson(per_year * self.end_h / HOURS_PER_YEAR)
        starts = np.sort(rng.uniform(0.0, self.end_h, count))
        sigma = float(np.sqrt(np.log1p(cv**2)))
        lengths = mean * rng.lognormal(-sigma**2 / 2, sigma, count) if cv > 0 \
            else np.full(count, mean)
        return [(start, min(start + length, self.end_h))
                for start, length in zip(starts.tolist(), lengths.tolist(), strict=True)]

    def outages(self, outages: Outages, number: int) -> None:
        """Each facility's sorting-line outages, from its own stream."""
        nodes = self.nodes(outages, f"random.outages.{number}", tuple(outages.kinds))
        for node in nodes.tolist():
            rng = self.stream("outage", outages.name or number, str(self.network.tree.ids[node]))
            for start, end in self.outage_periods(rng, outages.per_year, outages.duration_h,
                                                  outages.duration_cv):
                self.line_down(outages.name, start, end, np.array([node]), 0.0, random=True)

    def power_cut(self, name: str, start: float, end: float, hubs: list[str],
                  random: bool = False) -> None:
        for hub in hubs:
            self.plan.power_cuts.setdefault(hub, []).append((start, end))
        self.plan.events.append(Event("power", name, start, end, hubs=list(hubs),
                                      random=random))

    def power_cuts(self, cuts: PowerCuts, number: int) -> None:
        """Each cold store's power cuts, from its own stream."""
        for hub in cuts.hubs:
            rng = self.stream("power", cuts.name or number, hub)
            for start, end in self.outage_periods(rng, cuts.per_year, cuts.duration_h,
                                                  cuts.duration_cv):
                self.power_cut(cuts.name, start, end, [hub], random=True)

    # -- fleets ----------------------------------------------------------------------

    def _routes_of(self, fleet: str, bases: np.ndarray | None) -> dict[int, list[Route]]:
        by_base: dict[int, list[Route]] = defaultdict(list)
        for route in self.network.routes:
            if route.fleet == fleet and (bases is None or route.base in bases):
                by_base[route.base].append(route)
        return by_base

    def fleet_out(self, item, start: float, end: float) -> None:
        bases = None
        if item.bases or item.counties:
            mask = np.ones(self.network.tree.size, dtype=bool)
            if item.bases:
                mask &= self.table.named(item.bases, self.file, "disruptions.fleets.bases")
            if item.counties:
                mask &= np.isin(self.network.tree.county, item.counties)
            bases = np.flatnonzero(mask)
        hit = []
        for base, routes in self._routes_of(item.fleet, bases).items():
            vehicles = sum(r.vehicles for r in routes)
            out = item.vehicles if item.vehicles is not None else \
                vehicles - int(np.floor(vehicles * item.available))
            out = min(out, vehicles)
            if out <= 0:
                continue
            hit.append(base)
            # out of the routes with the most vehicles first, as a depot would lay them up
            for route, count in _spread(out, routes):
                changes = self.plan.vehicles_out.setdefault(route.index, [])
                changes += [(start, count), (end, -count)]
        if hit:
            severity = item.vehicles if item.vehicles is not None else item.available
            self.plan.events.append(Event("fleet", item.name or item.fleet, start, end, hit,
                                          severity=float(severity)))

    def breakdowns(self, name: str, fleet: str, mtbf_h: float, mttr_h: float,
                   number: int) -> None:
        """Each vehicle alternates exponential times in service and under repair, starting
        in its long-run state (down with probability MTTR / (MTBF + MTTR))."""
        down_share = mttr_h / (mtbf_h + mttr_h)
        for routes in self._routes_of(fleet, None).values():
            for route in routes:
                rng = self.stream("breakdown", name or number, route.name)
                changes = self.plan.vehicles_out.setdefault(route.index, [])
                for _vehicle in range(route.vehicles):
                    t, down = 0.0, bool(rng.random() < down_share)
                    while t < self.end_h:
                        length = rng.exponential(mttr_h if down else mtbf_h)
                        if down:
                            end = min(t + length, self.end_h)
                            changes += [(t, 1), (end, -1)]
                            self.plan.events.append(Event("fleet", name or fleet, t, end,
                                                          [route.base], severity=1.0,
                                                          random=True))
                        t += length
                        down = not down

    # -- roads -----------------------------------------------------------------------

    def bad_days(self, weather: Weather, number: int) -> list[tuple[float, float]]:
        """The days this replication's weather spoils (one draw per day for the area)."""
        rng = self.stream("weather", weather.name or number)
        first = self.config.run.start_date
        days = int(np.ceil(self.end_h / 24.0))
        draws = rng.random(days)
        spans = []
        for day in range(days):
            month = (first + dt.timedelta(days=day)).month
            if draws[day] < weather.months.get(month, 0.0):
                spans.append((day * 24.0, min((day + 1) * 24.0, self.end_h)))
        return spans

    def road_factors(self, item: RoadDisruption | Weather, field: str
                     ) -> dict[tuple[int, int], float]:
        """The roads a disruption hits, and the share of their speed left (0: closed)."""
        roads = self.network.roads
        u, v, classes = roads.road_ends()
        mask = area_nodes(Area(counties=item.counties, townships=item.townships,
                               polygon=item.polygon), self.table, self.file, field)
        hit = mask[u] & mask[v]
        if item.nodes:
            named = self.table.named(item.nodes, self.file, f"{field}.nodes")
            hit &= named[u] | named[v]
        between = getattr(item, "between", [])
        if between:
            size = self.network.tree.size
            pairs = []
            for number, (a, b) in enumerate(between):
                ends = [np.flatnonzero(self.table.named([end], self.file,
                                                        f"{field}.between.{number}"))
                        for end in (a, b)]
                x, y = np.meshgrid(ends[0], ends[1])
                pairs.append(np.minimum(x, y).ravel() * size + np.maximum(x, y).ravel())
            hit &= np.isin(u * size + v, np.concatenate(pairs))
        if item.road_classes:
            hit &= np.isin(np.array(classes, dtype=object), item.road_classes)
        factor = 0.0 if item.closed else item.speed_factor
        return {(int(a), int(b)): factor for a, b in zip(u[hit], v[hit], strict=True)}

    def roads(self, items: list[tuple[float, float, RoadDisruption | Weather, bool]]) -> None:
        """Cut time at every start and end; in each piece, the roads then closed or slowed
        (factors multiply, closed wins) and each route's legs, worked out once per distinct
        set of roads."""
        if not items:
            return
        factors = []
        for number, (start, end, item, random) in enumerate(items):
            hit = self.road_factors(item, f"disruptions.roads.{number}")
            factors.append(hit)
            severity = 0.0 if item.closed else item.speed_factor
            self.plan.events.append(Event("road", item.name, start, end, roads=list(hit),
                                          severity=severity, random=random))
        edges = sorted({t for start, end, _, _ in items for t in (start, end)})
        self._check_limit("road_periods", len(edges) - 1, "periods with roads closed or "
                          "slowed (each re-routes every loop)")
        legs_of: dict[frozenset, dict[int, RouteLegs | None]] = {}
        for left, right in itertools.pairwise(edges):
            active: dict[tuple[int, int], float] = {}
            for (start, end, _, _), hit in zip(items, factors, strict=True):
                if start <= left < end:
                    for road, factor in hit.items():
                        active[road] = active.get(road, 1.0) * factor
            if not active:
                continue
            key = frozenset(active.items())
            if key not in legs_of:
                legs_of[key] = _changed_legs(self.network, self.network.roads.disrupted(active))
            self.plan.road_periods.append((left, right, legs_of[key]))


def _spread(out: int, routes: list[Route]) -> list[tuple[Route, int]]:
    """`out` vehicles taken from a base's routes, one at a time from the fullest."""
    left = {r.index: r.vehicles for r in routes}
    taken = dict.fromkeys(left, 0)
    for _ in range(out):
        index = max(left, key=lambda i: (left[i], -i))
        left[index] -= 1
        taken[index] += 1
    return [(r, taken[r.index]) for r in routes if taken[r.index]]


def _changed_legs(network: Network, roads: Roads) -> dict[int, RouteLegs | None]:
    """Each route's legs on these roads where they differ from its usual ones; None where a
    stop cannot be reached."""
    changed: dict[int, RouteLegs | None] = {}
    by_base: dict[int, list[Route]] = defaultdict(list)
    for route in network.routes:
        by_base[route.base].append(route)
    for base, routes in by_base.items():
        sources = np.unique(np.concatenate([[base], *[r.stops for r in routes]]))
        sources = np.concatenate(([base], sources[sources != base]))
        _hours, predecessors = roads.shortest_among(sources)
        row = {int(node): index for index, node in enumerate(sources)}
        for route in routes:
            try:
                legs = loop_legs(roads, predecessors, row, base, route.stops)
            except NoRoad:
                changed[route.index] = None
                continue
            hours = np.array([leg.hours(roads.class_speed, route.spec.speed_kmh)
                              for leg in legs])
            if not np.array_equal(hours, route.leg_hours):
                changed[route.index] = RouteLegs(hours, np.array([leg.km for leg in legs]))
    return changed
