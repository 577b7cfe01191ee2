"""Roads, travel times, the tier tree and the vehicle routes of a scenario.

`build_network` turns a loaded scenario into plain arrays and `Route` records. The engine
reads them and never looks back at the scenario's tables.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from itertools import pairwise

import numpy as np
import pandas as pd

from sim.errors import ScenarioError
from sim.network.roads import Leg, Roads, build_roads, great_circle_km
from sim.network.routes import sweep_partition, tour_order
from sim.network.tree import GATEWAY, HUB, LEVEL, PARK, POINT, STATION, Tree, build_tree
from sim.scenario.loader import LoadedScenario
from sim.scenario.models import Fleet

# The fleet that carries parcels down to each kind of node, from that node's parent.
FLEET_TO_LEVEL = {"trunk": HUB, "line_haul": PARK, "township": STATION, "village": POINT}
COURIER = "courier"
ALL_CARRIERS = -1

__all__ = [
    "GATEWAY", "HUB", "LEVEL", "PARK", "POINT", "STATION", "Network", "Route", "Tree",
    "build_network", "great_circle_km",
]


@dataclass(frozen=True)
class Route:
    """One loop from a base through its stops and back, run by `vehicles` vehicles."""

    index: int
    name: str
    fleet: str  # the fleet section it follows (trunk, village, bus_village, ...)
    spec: Fleet  # that fleet's settings as this route runs them
    base: int
    stops: np.ndarray  # node indices in visiting order
    leg_km: np.ndarray  # base->stop1, ..., stopk->base
    leg_hours: np.ndarray  # at the fleet's top speed and road-class speeds
    vehicles: int
    carrier: int = ALL_CARRIERS  # the carrier whose parcels it carries, or all
    mode: str = "joint"

    @property
    def loop_km(self) -> float:
        return float(self.leg_km.sum())


@dataclass(frozen=True)
class Network:
    tree: Tree
    roads: Roads
    routes: list[Route]
    route_of: np.ndarray  # int32 (nodes, carriers): the route bringing a carrier's parcels
    #                       down to each node; -1 where none (gateway, station pickup)
    courier_route: np.ndarray  # int32: each park's county-seat courier route, else -1
    carriers: list[str]
    mode_of: np.ndarray  # object: how the leg down to each node is run
    walk_h: np.ndarray  # hours from a village to its station for villagers who collect there

    @property
    def route_of_node(self) -> np.ndarray:
        """The route to each node for the first carrier (every carrier's under joint modes)."""
        return self.route_of[:, 0]

    def route_down_from(self, level: int) -> np.ndarray:
        """(destination, carrier): the route a downward parcel leaves a facility of `level`
        on; -1 where none (it is delivered there, or never passes such a facility)."""
        tree = self.tree
        if level + 1 >= len(tree.ancestors):
            return np.full(self.route_of.shape, -1, dtype=np.int32)
        next_hop = tree.ancestors[level + 1]
        routes = np.where((next_hop >= 0)[:, None], self.route_of[np.maximum(next_hop, 0)], -1)
        if level == PARK:  # county-seat residents' parcels go with the courier
            routes = np.where((tree.level == PARK)[:, None], self.courier_route[:, None], routes)
        return routes.astype(np.int32)

    def route_up_from(self, level: int) -> np.ndarray:
        """(origin, carrier): the route that collects an upward parcel from the node of
        `level` it passes; -1 where none (the gateway is collected by nobody)."""
        here = self.tree.ancestors[level]
        return np.where((here >= 0)[:, None], self.route_of[np.maximum(here, 0)],
                        -1).astype(np.int32)


def build_network(scenario: LoadedScenario) -> Network:
    """Tree, roads and routes; raises ScenarioError if a node cannot be reached."""
    config = scenario.config
    tree = build_tree(scenario.nodes)
    roads_file = scenario.files.label(scenario.roads_path or scenario.nodes_path)
    roads = build_roads(tree, config.network, scenario.roads, roads_file)
    builder = _Builder(scenario, tree, roads)
    for fleet_name, child_level in FLEET_TO_LEVEL.items():
        for base in tree.of_level(child_level - 1):
            kids = builder.children[base][tree.level[builder.children[base]] == child_level]
            for mode, group in builder.modes(kids, child_level).items():
                builder.add_loops(fleet_name, base, group, mode)
    for park in tree.of_level(PARK):
        if tree.population[park] > 0:
            builder.add_courier(int(park))
    return Network(tree=tree, roads=roads, routes=builder.routes, route_of=builder.route_of,
                   courier_route=builder.courier_route, carriers=config.carrier_names(),
                   mode_of=builder.mode_of, walk_h=builder.walk_h)


class _Builder:
    """Routes for every base and leg, by the leg's operating mode and the carriers."""

    def __init__(self, scenario: LoadedScenario, tree: Tree, roads: Roads) -> None:
        self.scenario, self.tree, self.roads = scenario, tree, roads
        config = scenario.config
        self.fleets = config.fleets.by_name()
        self.carriers = config.carriers
        self.shares = config.carrier_shares()
        self.children = tree.children()
        self.served = tree.subtree_population()
        self.per_resident = config.demand.down_per_resident_day + \
            config.demand.up_per_resident_day
        self.vehicles_override = scenario.nodes["vehicles"].to_numpy()
        self.routes: list[Route] = []
        self.route_of = np.full((tree.size, len(self.shares)), -1, dtype=np.int32)
        self.courier_route = np.full(tree.size, -1, dtype=np.int32)
        self.mode_of = np.full(tree.size, "joint", dtype=object)
        self.walk_h = np.zeros(tree.size)

    def modes(self, kids: np.ndarray, level: int) -> dict[str, np.ndarray]:
        """The children of a base, grouped by how the leg down to them is run."""
        if level == PARK:  # carriers with their own trucks run their own line haul
            return {"joint": kids} if not any(c.line_haul_departures for c in self.carriers) \
                else {"per_carrier": kids}
        if level not in (STATION, POINT):
            return {"joint": kids}
        operations = self.scenario.config.operations
        leg = "township" if level == STATION else "village"
        station = kids if level == STATION else self.tree.parent[kids]
        modes = []
        for node, township in zip(kids, station, strict=True):
            county = str(self.tree.county[node])
            mode = getattr(operations, leg)
            for special in (operations.counties.get(county),
                            operations.townships.get(str(self.tree.ids[township]))):
                if special is not None and getattr(special, leg) is not None:
                    mode = getattr(special, leg)
            modes.append(mode)
        modes = np.array(modes, dtype=object)
        self.mode_of[kids] = modes
        return {mode: kids[modes == mode] for mode in dict.fromkeys(modes.tolist())}

    def add_loops(self, fleet_name: str, base: int, kids: np.ndarray, mode: str) -> None:
        if mode == "station_pickup":
            self._walks(base, kids)
            return
        fleet = self.fleets[f"bus_{fleet_name}"] if mode == "bus" else self.fleets[fleet_name]
        name = f"bus_{fleet_name}" if mode == "bus" else fleet_name
        demand = self.served[kids].sum() * self.per_resident
        if mode in ("separate", "per_carrier"):
            for carrier, share in enumerate(self.shares):
                spec = fleet
                if mode == "per_carrier":
                    own = self.carriers[carrier].line_haul_departures
                    if not own:  # this carrier uses the shared line haul
                        continue
                    spec = fleet.model_copy(update={"departures": sorted(own)})
                vehicles = self._vehicles(name, spec, base, demand * share, share)
                self._loops(name, spec, base, kids, vehicles, carrier, mode)
            if mode == "per_carrier" and not all(c.line_haul_departures for c in self.carriers):
                self._loops(name, fleet, base, kids, self._vehicles(name, fleet, base, demand),
                            ALL_CARRIERS, "joint", only_unset=True)
            return
        if fleet.loop_per_stop:  # named by the stop, so a stop's loop is the same alone
            for kid in kids:
                self._loops(name, fleet, base, kids[kids == kid], 1, ALL_CARRIERS, mode,
                            label=f"{self.tree.ids[kid]}:",
                            load=self.served[kid] * self.per_resident)
            return
        self._loops(name, fleet, base, kids, self._vehicles(name, fleet, base, demand),
                    ALL_CARRIERS, mode)

    def _vehicles(self, name: str, fleet: Fleet, base: int, demand: float,
                  share: float = 1.0, loop_h: float | None = None) -> int:
        override = self.vehicles_override[base]
        if not pd.isna(override) and share == 1.0:
            return int(override)
        if fleet.size_for_load is None and share < 1.0:
            return max(1, round(fleet.vehicles * share))
        try:
            return fleet_size(fleet, demand, loop_h)
        except ValueError as error:
            raise ScenarioError(self.scenario.label(), f"fleets.{name}.size_for_load",
                                str(error)) from None

    def _loops(self, name: str, fleet: Fleet, base: int, kids: np.ndarray, vehicles: int,
               carrier: int, mode: str, only_unset: bool = False, label: str = "",
               load: float | None = None) -> None:
        """The loops of a fleet at one base; with `load` (parcels a day), one loop whose
        vehicles are sized for that load on the trips its length allows."""
        names = self.scenario.config.carrier_names()
        label += "" if carrier == ALL_CARRIERS else f"{names[carrier]}:"
        for route in _loops(self.tree, self.roads, name, fleet, base, kids, self.served[kids],
                            vehicles, len(self.routes), carrier, mode, label):
            if load is not None:
                loop_h = float(route.leg_hours.sum()) + fleet.load_h + \
                    fleet.stop_h * len(route.stops)
                route = replace(route, vehicles=self._vehicles(name, fleet, base, load,
                                                               loop_h=loop_h))
            columns = slice(None) if carrier == ALL_CARRIERS else carrier
            if only_unset:
                unset = self.route_of[route.stops] < 0
                self.route_of[route.stops] = np.where(unset, route.index,
                                                      self.route_of[route.stops])
            else:
                self.route_of[route.stops, columns] = route.index
            self.routes.append(route)

    def _walks(self, station: int, villages: np.ndarray) -> None:
        """Villagers walk or ride to the station: road km over their speed."""
        speed = self.scenario.config.pickup.villager_speed_kmh
        _, predecessors = self.roads.shortest_from([station])
        for village in villages:
            leg = self.roads.leg(predecessors[0], int(station), int(village))
            self.walk_h[village] = leg.km / speed

    def add_courier(self, park: int) -> None:
        config = self.scenario.config
        index = len(self.routes)
        demand = self.tree.population[park] * config.demand.down_per_resident_day
        self.routes.append(Route(
            index=index, name=f"{COURIER}:{self.tree.ids[park]}", fleet=COURIER,
            spec=config.fleets.courier, base=park, stops=np.array([park], dtype=np.int32),
            leg_km=np.zeros(2), leg_hours=np.zeros(2),
            vehicles=self._vehicles(COURIER, config.fleets.courier, park, demand),
            mode=COURIER))
        self.courier_route[park] = index


MAX_VEHICLES_PER_BASE = 1000


def fleet_size(fleet: Fleet, parcels_per_day: float, loop_h: float | None = None) -> int:
    """Vehicles at one base: `vehicles`, or more if `size_for_load` asks for them. Where
    the loop's length is known (`loop_h`, out and back), a vehicle makes only the
    departures a day that it is back in time for: a trunk truck on a 9-hour round trip
    makes 2 of 12."""
    if fleet.size_for_load is None:
        return fleet.vehicles
    trips = len(fleet.departures)
    if loop_h is not None and loop_h > 0:
        trips = max(1, min(trips, int(24.0 // loop_h)))
    per_vehicle = fleet.capacity * trips * fleet.size_for_load
    needed = max(fleet.vehicles, int(np.ceil(parcels_per_day / per_vehicle)))
    if needed > MAX_VEHICLES_PER_BASE:
        raise ValueError(f"a base would need {needed:,} vehicles (more than "
                         f"{MAX_VEHICLES_PER_BASE:,}); raise the capacity or the departures")
    return needed


def _loops(
    tree: Tree,
    roads: Roads,
    fleet_name: str,
    fleet: Fleet,
    base: int,
    kids: np.ndarray,
    weights: np.ndarray,
    vehicles: int,
    first_index: int,
    carrier: int = -1,
    mode: str = "joint",
    label: str = "",
) -> list[Route]:
    """min(vehicles, children) sector loops from one base, balanced by residents served
    below each child; vehicles spread evenly over the loops."""
    scale = np.cos(np.radians(tree.lat[base]))
    xy = np.column_stack((tree.lon * scale, tree.lat))
    sectors = sweep_partition(xy[base], xy[kids], weights + 1, vehicles)
    sources = np.concatenate(([base], kids))
    hours, predecessors = roads.shortest_among(sources)
    position = {int(node): row for row, node in enumerate(sources)}
    routes = []
    for number, sector in enumerate(sectors):
        stops, legs = ordered_loop(roads, hours, predecessors, position, base, kids[sector])
        routes.append(_route(roads, first_index + number,
                             f"{fleet_name}:{tree.ids[base]}:{label}{number + 1}", fleet_name,
                             fleet, base, stops, legs, _share(vehicles, len(sectors), number),
                             carrier, mode))
    return routes


def _route(roads: Roads, index: int, name: str, fleet_name: str, fleet: Fleet, base: int,
           stops: np.ndarray, legs: list[Leg], vehicles: int, carrier: int = ALL_CARRIERS,
           mode: str = "joint") -> Route:
    """A loop's record: its legs' km, and their hours at the fleet's top speed."""
    return Route(index=index, name=name, fleet=fleet_name, spec=fleet, base=int(base),
                 stops=np.asarray(stops, dtype=np.int32),
                 leg_km=np.array([leg.km for leg in legs]),
                 leg_hours=np.array([leg.hours(roads.class_speed, fleet.speed_kmh)
                                     for leg in legs]),
                 vehicles=int(vehicles), carrier=carrier, mode=mode)


def _share(vehicles: int, loops: int, number: int) -> int:
    """A base's vehicles spread evenly over its loops, the first loops taking the rest."""
    return vehicles // loops + (number < vehicles % loops)


def with_loops(network: Network, fleet: str, loops: dict[int, list[np.ndarray]]) -> Network:
    """The network with a fleet's joint loops at some bases replaced: `loops` maps a base to
    its new loops, each its stops (node indices) in visiting order, for example a
    vehicle-routing solver's. Every stop of the old loops must be on a new one; each base
    keeps its vehicles, spread over its new loops as the network spreads its own."""
    tree, roads = network.tree, network.roads
    old = [r for r in network.routes if r.fleet == fleet and r.mode == "joint" and r.base in loops]
    gone = {r.index for r in old}
    routes, renumber = [], np.full(len(network.routes), -1, dtype=np.int32)
    for route in network.routes:
        if route.index not in gone:
            renumber[route.index] = len(routes)
            routes.append(replace(route, index=len(routes)))
    route_of = np.where(network.route_of >= 0, renumber[network.route_of], -1).astype(np.int32)
    courier = np.where(network.courier_route >= 0, renumber[network.courier_route],
                       -1).astype(np.int32)
    for base, new in loops.items():
        before = [r for r in old if r.base == base]
        if {int(s) for r in before for s in r.stops} != {int(s) for stops in new for s in stops}:
            raise ValueError(f"the new loops of {tree.ids[base]} do not visit its stops")
        sources = np.concatenate(([base], *new)).astype(np.int64)
        _hours, predecessors = roads.shortest_among(sources)
        row = {int(node): index for index, node in enumerate(sources)}
        vehicles, spec = sum(r.vehicles for r in before), before[0].spec
        for number, stops in enumerate(new):
            legs = loop_legs(roads, predecessors, row, base, stops)
            route_of[np.asarray(stops), :] = len(routes)
            routes.append(_route(roads, len(routes), f"{fleet}:{tree.ids[base]}:{number + 1}",
                                 fleet, spec, base, stops, legs,
                                 _share(vehicles, len(new), number)))
    return replace(network, routes=routes, route_of=route_of, courier_route=courier)


def ordered_loop(roads: Roads, hours: np.ndarray, predecessors: np.ndarray,
                 position: dict[int, int], base: int, members: np.ndarray
                 ) -> tuple[np.ndarray, list[Leg]]:
    """A loop from `base` through `members` and back: visiting order and road legs.

    `hours` and `predecessors` are `roads.shortest_among(sources)` rows for the base and the
    members; `position` maps a node to its row.
    """
    rows = np.array([position[int(base)]] + [position[int(m)] for m in members])
    order = tour_order(hours[np.ix_(rows, np.array([int(base), *members.tolist()]))])
    stops = members[np.array(order, dtype=np.int64) - 1]
    return stops, loop_legs(roads, predecessors, position, base, stops)


def loop_legs(roads: Roads, predecessors: np.ndarray, position: dict[int, int], base: int,
              stops: np.ndarray) -> list[Leg]:
    """The road legs of a loop from `base` through `stops` in this order and back."""
    path = [int(base), *map(int, stops), int(base)]
    return [roads.leg(predecessors[position[a]], a, b) for a, b in pairwise(path)]
