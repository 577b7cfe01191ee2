"""Roads, travel times, the tier tree and the vehicle routes of a scenario.

`build_network` turns a loaded scenario into plain arrays and `Route` records. The engine
reads them and never looks back at the scenario's tables.
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import pairwise

import numpy as np
import pandas as pd

from sim.errors import ScenarioError
from sim.network.roads import Roads, build_roads, great_circle_km
from sim.network.routes import sweep_partition, tour_order
from sim.network.tree import GATEWAY, HUB, LEVEL, PARK, POINT, STATION, Tree, build_tree
from sim.scenario.loader import LoadedScenario
from sim.scenario.models import Fleet

# The fleet that carries parcels down to each kind of node, from that node's parent.
FLEET_TO_LEVEL = {"trunk": HUB, "line_haul": PARK, "township": STATION, "village": POINT}
COURIER = "courier"

__all__ = [
    "GATEWAY", "HUB", "LEVEL", "PARK", "POINT", "STATION", "Network", "Route", "Tree",
    "build_network", "great_circle_km",
]


@dataclass(frozen=True)
class Route:
    """One loop from a base through its stops and back, run by `vehicles` vehicles."""

    index: int
    name: str
    fleet: str
    base: int
    stops: np.ndarray  # node indices in visiting order
    leg_km: np.ndarray  # base->stop1, ..., stopk->base
    leg_hours: np.ndarray  # at the fleet's top speed and road-class speeds
    vehicles: int

    @property
    def loop_km(self) -> float:
        return float(self.leg_km.sum())


@dataclass(frozen=True)
class Network:
    tree: Tree
    roads: Roads
    routes: list[Route]
    route_of_node: np.ndarray  # int32: the route that brings parcels down to each node
    courier_route: np.ndarray  # int32: each park's county-seat courier route, else -1


def build_network(scenario: LoadedScenario) -> Network:
    """Tree, roads and routes; raises ScenarioError if a node cannot be reached."""
    config = scenario.config
    tree = build_tree(scenario.nodes)
    roads_file = str(scenario.roads_path or scenario.nodes_path)
    roads = build_roads(tree, config.network, scenario.roads, roads_file)
    fleets = config.fleets.by_name()
    vehicles_override = scenario.nodes["vehicles"].to_numpy()
    children = tree.children()
    served = tree.subtree_population()
    per_resident = config.demand.down_per_resident_day + config.demand.up_per_resident_day
    routes: list[Route] = []
    route_of_node = np.full(tree.size, -1, dtype=np.int32)
    for fleet_name, child_level in FLEET_TO_LEVEL.items():
        fleet = fleets[fleet_name]
        for base in tree.of_level(child_level - 1):
            kids = children[base][tree.level[children[base]] == child_level]
            if len(kids) == 0:
                continue
            override = vehicles_override[base]
            if pd.isna(override):
                vehicles = _sized(scenario, fleet_name, served[kids].sum() * per_resident)
            else:
                vehicles = int(override)
            for route in _loops(tree, roads, fleet_name, fleet, base, kids, served[kids],
                                vehicles, len(routes)):
                route_of_node[route.stops] = route.index
                routes.append(route)
    courier_route = np.full(tree.size, -1, dtype=np.int32)
    for park in tree.of_level(PARK):
        if tree.population[park] == 0:
            continue
        index = len(routes)
        routes.append(Route(
            index=index, name=f"{COURIER}:{tree.ids[park]}", fleet=COURIER, base=int(park),
            stops=np.array([park], dtype=np.int32), leg_km=np.zeros(2), leg_hours=np.zeros(2),
            vehicles=_sized(scenario, COURIER, tree.population[park]
                            * config.demand.down_per_resident_day),
        ))
        courier_route[park] = index
    return Network(tree=tree, roads=roads, routes=routes, route_of_node=route_of_node,
                   courier_route=courier_route)


MAX_VEHICLES_PER_BASE = 1000


def fleet_size(fleet: Fleet, parcels_per_day: float) -> int:
    """Vehicles at one base: `vehicles`, or more if `size_for_load` asks for them."""
    if fleet.size_for_load is None:
        return fleet.vehicles
    per_vehicle = fleet.capacity * len(fleet.departures) * fleet.size_for_load
    needed = max(fleet.vehicles, int(np.ceil(parcels_per_day / per_vehicle)))
    if needed > MAX_VEHICLES_PER_BASE:
        raise ValueError(f"a base would need {needed:,} vehicles (more than "
                         f"{MAX_VEHICLES_PER_BASE:,}); raise the capacity or the departures")
    return needed


def _sized(scenario: LoadedScenario, fleet_name: str, parcels_per_day: float) -> int:
    try:
        return fleet_size(scenario.config.fleets.by_name()[fleet_name], parcels_per_day)
    except ValueError as error:
        raise ScenarioError(str(scenario.path), f"fleets.{fleet_name}.size_for_load",
                            str(error)) from None


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
) -> list[Route]:
    """min(vehicles, children) sector loops from one base, balanced by residents served
    below each child; vehicles spread evenly over the loops."""
    scale = np.cos(np.radians(tree.lat[base]))
    xy = np.column_stack((tree.lon * scale, tree.lat))
    sectors = sweep_partition(xy[base], xy[kids], weights + 1, vehicles)
    sources = np.concatenate(([base], kids))
    hours, predecessors = roads.shortest_from(sources)
    position = {int(node): row for row, node in enumerate(sources)}
    routes = []
    for number, sector in enumerate(sectors):
        members = kids[sector]
        rows = np.array([0] + [position[int(m)] for m in members])
        order = tour_order(hours[np.ix_(rows, sources[rows])])
        stops = members[np.array(order) - 1]
        path = [int(base), *stops.tolist(), int(base)]
        legs = [roads.leg(predecessors[position[a]], a, b) for a, b in pairwise(path)]
        share = vehicles // len(sectors) + (number < vehicles % len(sectors))
        routes.append(Route(
            index=first_index + number,
            name=f"{fleet_name}:{tree.ids[base]}:{number + 1}",
            fleet=fleet_name,
            base=int(base),
            stops=stops.astype(np.int32),
            leg_km=np.array([leg.km for leg in legs]),
            leg_hours=np.array([leg.hours(roads.class_speed, fleet.speed_kmh) for leg in legs]),
            vehicles=int(share),
        ))
    return routes
