"""Assemble the engine from a network and its parcels, run it, and check conservation.

Data flows one way: scenario -> network + parcels -> this model -> ledger and logs -> results.
"""

from __future__ import annotations

import gc
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import numpy as np
import pandas as pd
import simpy

from sim.clock import ALWAYS, DailyClock, SlowedClock
from sim.demand import (
    DOWN,
    PARCEL_ID,
    STREAM_DEMAND,
    Parcels,
    generate_parcels,
    node_stream,
)
from sim.engine.disruptions import DisruptionPlan, plan_disruptions
from sim.engine.facility import Facility
from sim.engine.handover import HandOvers
from sim.engine.ledger import DOWN_PATH, STAMP, UP_PATH, Ledger
from sim.engine.queues import DrawnArrivals, ParcelQueue
from sim.engine.shelf import PickupDelay, Shelves
from sim.engine.sorting import SortingLine
from sim.engine.stops import FacilityStop, PointStop
from sim.engine.vehicles import Loading, RouteDisruptions, RouteRunner, TripLog
from sim.errors import ConservationError
from sim.freight.model import GoodsModel, GoodsOutput
from sim.network import (
    ALL_CARRIERS,
    COURIER,
    GATEWAY,
    HUB,
    PARK,
    POINT,
    STATION,
    Network,
    Route,
    build_network,
)
from sim.scenario.loader import LoadedScenario

STREAM_TRAVEL = STREAM_DEMAND + 1
STREAM_SORTING = STREAM_DEMAND + 2
STAGE_CHECK_BLOCK = 1 << 16  # parcels


@dataclass(frozen=True)
class SimulationOutput:
    """Everything a run produced, for `sim.results` to summarise."""

    scenario: LoadedScenario
    network: Network
    ledger: Ledger
    trips: pd.DataFrame
    sort_rate: np.ndarray  # parcels/h of each node's sorting lines together (NaN: none)
    shift_clocks: dict[int, DailyClock]  # node -> its sorting line's shift clock
    shelf_peak: np.ndarray  # peak parcels on each node's shelf (points and stations)
    shelf_slots: np.ndarray  # shelf slots of each point (inf elsewhere)
    end_h: float
    in_network: int
    goods: GoodsOutput | None = None  # farm products, frozen food, freight (if any)
    disruptions: DisruptionPlan | None = None  # what was disrupted, when and where
    vehicle_hours_out: np.ndarray | None = None  # per route, out of service (if disrupted)


class Simulation:
    """One replication of a scenario."""

    def __init__(self, scenario: LoadedScenario, network: Network | None = None,
                 parcels: Parcels | None = None) -> None:
        self.scenario = scenario
        config = scenario.config
        self.network = network or build_network(scenario)
        self.disruptions = plan_disruptions(scenario, self.network)
        tree = self.network.tree
        if parcels is None:  # its size was checked when the scenario was loaded
            parcels = generate_parcels(tree, config.demand, config.run,
                                       config.carrier_shares())
        self.parcels = parcels
        self.end_h = (config.run.days + config.run.drain_days) * 24.0
        self.env = simpy.Environment()
        self.ledger = Ledger(self.parcels)
        self.trip_log = TripLog()
        dropoffs = self._dropoffs_by_origin()
        self.sort_rate = np.full(tree.size, np.nan)
        self.shift_clocks: dict[int, DailyClock] = {}
        self.facilities = self._facilities(dropoffs)
        self.delay = PickupDelay(config.pickup)
        self.hand_overs = HandOvers(self.ledger, self.delay)  # every loop's drops
        self._clocks: dict[tuple, DailyClock] = {}
        self._opening_hours = scenario.nodes["opening_hours"].to_numpy()
        self._shelf_slots_override = scenario.nodes["shelf_slots"].to_numpy()
        self.shelves: list[Shelves] = []
        self.point_shelf: dict[int, list[tuple[Shelves, int]]] = {}
        self._point_queues: list[DrawnArrivals] = []
        self.stops = self._stops()
        self.runners = self._runners()
        self.goods = GoodsModel(self.env, scenario, self.network, self.end_h,
                                self.disruptions.power_cuts) \
            if config.products or config.hubs else None

    # -- construction ------------------------------------------------------------------

    def _dropoffs_by_origin(self) -> dict[int, ParcelQueue]:
        """Residents' parcels where they drop them off, in order, ready when brought in.

        Villagers who collect at their township station also bring their parcels there,
        arriving after their trip.
        """
        network, created = self.network, self.parcels.created
        tree = network.tree
        brought: dict[int, list[tuple[np.ndarray, np.ndarray]]] = {}
        self._origin_ids: dict[int, np.ndarray] = {}
        for node, ids in self.parcels.origin_groups().items():
            if network.mode_of[node] == "station_pickup" and tree.level[node] == POINT:
                station = int(tree.parent[node])
                brought.setdefault(station, []).append((ids, created[ids] + network.walk_h[node]))
            elif tree.level[node] == POINT:
                self._origin_ids[node] = ids
            elif tree.level[node] == GATEWAY:  # the trunk's inflow, held while it is stopped
                brought.setdefault(node, []).append(
                    (ids, self.disruptions.hold_arrivals(created[ids])))
            else:
                brought.setdefault(node, []).append((ids, created[ids]))
        queues = {}
        for node, parts in brought.items():
            if len(parts) == 1:  # one origin's parcels: already in creation order
                ids, ready = parts[0]
                queues[node] = ParcelQueue(self.env, ids, ready)
                continue
            ids = np.concatenate([p[0] for p in parts])
            ready = np.concatenate([p[1] for p in parts])
            order = np.argsort(ready, kind="stable")
            queues[node] = ParcelQueue(self.env, ids[order], ready[order])
        return queues

    def _point_dropoffs(self, node: int, carrier: int) -> DrawnArrivals:
        """A village's drop-offs for one carrier's vans (all of them for a shared fleet)."""
        ids = self._origin_ids.get(node, np.empty(0, dtype=PARCEL_ID))
        if len(ids) and carrier != ALL_CARRIERS:
            ids = ids[self.parcels.carriers()[ids] == carrier]
        return DrawnArrivals(ids, self.parcels.created[ids])

    def _facilities(self, dropoffs: dict[int, ParcelQueue]) -> dict[int, Facility]:
        config, tree = self.scenario.config, self.network.tree
        rate_override = self.scenario.nodes["sort_rate_per_h"].to_numpy()
        specs = {HUB: config.facilities.hub, PARK: config.facilities.park,
                 STATION: config.facilities.station}
        facilities = {}
        for node in np.flatnonzero(tree.level < POINT):
            level = int(tree.level[node])
            line = None
            if level != GATEWAY:
                spec = specs[level]
                rate = spec.rate_per_h if pd.isna(rate_override[node]) else rate_override[node]
                clock = DailyClock(spec.shifts)
                rng = None
                if spec.service == "exponential":
                    rng = node_stream(config.run, STREAM_SORTING, str(tree.ids[node]))
                periods = self.disruptions.line_periods.get(int(node))
                line = SortingLine(rate, SlowedClock(clock, periods) if periods else clock,
                                   spec.lines, rng)
                self.sort_rate[node] = line.capacity_per_h
                self.shift_clocks[int(node)] = clock
            facilities[int(node)] = Facility(self.env, int(node), self.network, self.ledger,
                                             line, dropoffs.get(int(node)))
        return facilities

    def _stops(self) -> dict[int, object]:
        """A stop per facility, and station counters where town residents collect."""
        config, tree = self.scenario.config, self.network.tree
        pickup = config.pickup
        stops: dict[int, object] = {}
        for node in np.flatnonzero(tree.level < POINT):
            stops[int(node)] = FacilityStop(self.facilities[int(node)])
        for node in tree.of_level(STATION):
            clock = self._opening_clock(int(node), config.facilities.station.opening_hours)
            counter = Shelves(self.ledger, [np.inf], [clock], self.delay,
                              pickup.door_share, pickup.door_delivery_h)
            self.facilities[int(node)].counter = counter
            self.shelves.append(counter)
        return stops

    def _opening_clock(self, node: int, default: list[tuple[float, float]]
                       ) -> DailyClock | SlowedClock:
        """The node's own opening hours, else its kind's; one clock per distinct set. A
        closed station or point has its own, stopped while it is closed."""
        own = self._opening_hours[node]
        windows = tuple(default if own is None else own)
        if windows not in self._clocks:
            self._clocks[windows] = DailyClock(windows)
        closed = self.disruptions.closed.get(node)
        if closed:
            return SlowedClock(self._clocks[windows], [(s, e, 0.0) for s, e in closed])
        return self._clocks[windows]

    def _shelf_stops(self, route: Route) -> tuple[list[PointStop], Shelves]:
        """The shelves a loop serves: village points, or the county seat's door rounds."""
        config = self.scenario.config
        pickup = config.pickup
        if route.fleet == COURIER:
            round_h = config.fleets.courier.round_h
            seat = Shelves(self.ledger, [np.inf], [ALWAYS], self.delay, 1.0, round_h,
                           hand_overs=self.hand_overs)
            self.shelves.append(seat)
            return [PointStop(seat, 0, dwell_h=round_h)], seat
        slots_override = self._shelf_slots_override[route.stops]
        default = config.facilities.point.shelf_slots
        slots = np.where(pd.isna(slots_override), default, slots_override)
        if route.carrier != ALL_CARRIERS:  # each carrier keeps its share of the shelf
            slots = np.ceil(slots * config.carrier_shares()[route.carrier])
        clocks = [self._opening_clock(int(node), config.facilities.point.opening_hours)
                  for node in route.stops]
        shelves = Shelves(self.ledger, slots, clocks, self.delay, pickup.door_share,
                          pickup.door_delivery_h, arrival_stage="point_arr",
                          hand_overs=self.hand_overs)
        self.shelves.append(shelves)
        stops = []
        for member, node in enumerate(route.stops):
            self.point_shelf.setdefault(int(node), []).append((shelves, member))
            dropoffs = self._point_dropoffs(int(node), route.carrier)
            self._point_queues.append(dropoffs)
            stops.append(PointStop(shelves, member, dropoffs,
                                   closed=self.disruptions.closed.get(int(node), ())))
        return stops, shelves

    def _runners(self) -> list[RouteRunner]:
        config, network = self.scenario.config, self.network
        tree = network.tree
        stop_position = np.zeros(network.route_of.shape, dtype=np.int64)  # (nodes, carriers)
        for route in network.routes:
            if route.fleet == COURIER:
                continue
            position = np.arange(len(route.stops))
            if route.carrier == ALL_CARRIERS:
                stop_position[route.stops, :] = position[:, None]
            else:
                stop_position[route.stops, route.carrier] = position
        shelf_slot = self._shelf_slots(stop_position)
        runners = []
        for route in network.routes:
            base = self.facilities[route.base]
            level = int(tree.level[route.stops[0]]) if route.fleet != COURIER else PARK
            if route.fleet == COURIER or level == POINT:
                stops, shelves = self._shelf_stops(route)
                limited = shelf_slot if level == POINT and route.fleet != COURIER else None
                loading = Loading(stop_position, level, shelves, limited)
            else:
                stops = [self.stops[int(node)] for node in route.stops]
                loading = Loading(stop_position, level)
            runners.append(RouteRunner(
                self.env, route, base, stops, base.queue_for(route.index),
                self.ledger, loading, tree.ancestors,
                node_stream(config.run, STREAM_TRAVEL, route.name),
                config.network.travel_noise_cv, self.trip_log, self.end_h,
                self._route_disruptions(route),
            ))
        return runners

    def _route_disruptions(self, route: Route) -> RouteDisruptions | None:
        """What the disruptions do to one route, or None where they leave it alone."""
        plan = self.disruptions
        if plan.empty:
            return None
        roads = [(start, end, legs[route.index]) for start, end, legs in plan.road_periods
                 if route.index in legs]
        closed = [(position, start, end)
                  for position, node in enumerate(route.stops.tolist()) if route.fleet != COURIER
                  for start, end in plan.closed.get(node, ())]
        vehicles_out = plan.vehicles_out.get(route.index, [])
        if not (roads or closed or vehicles_out):
            return None
        return RouteDisruptions(vehicles_out, roads, closed)

    def _shelf_slots(self, stop_position: np.ndarray) -> np.ndarray:
        """Per parcel: the stop whose shelf it will occupy, or its route's unbounded slot
        (the number of stops) for door deliveries and parcels not bound for a point."""
        tree, parcels = self.network.tree, self.parcels
        stops_on_route = np.array([len(r.stops) for r in self.network.routes] + [0])
        unbounded = stops_on_route[self.network.route_of].astype(np.int32)  # (nodes, carriers)
        on_shelf = np.where((tree.level == POINT)[:, None], stop_position, unbounded)
        to_door = (parcels.u_door < self.scenario.config.pickup.door_share) | (
            parcels.flow != DOWN)
        # upward parcels (the cell after the table) never wait for a village route
        cell = self.ledger.down_cell(*unbounded.shape)
        # one gather from a (cell, to the door) table instead of two full-size gathers
        table = np.column_stack((np.append(on_shelf, 0), np.append(unbounded, 0)))
        pick = cell * np.int32(2)
        pick += to_door
        return table.astype(np.int32).ravel()[pick]

    # -- running -----------------------------------------------------------------------

    def run(self, progress: Callable[[float, float], None] | None = None) -> SimulationOutput:
        """Run to the end; `progress(now_h, end_h)` is called after each simulated day."""
        day = 24.0
        with _no_cycle_collection():
            while self.env.now < self.end_h:
                self.env.run(until=min(self.env.now + day, self.end_h))
                if progress is not None:
                    progress(self.env.now, self.end_h)
        for facility in self.facilities.values():
            facility.sync(self.end_h)  # drop-offs since the last vehicle still reach the line
        in_network = self._check_conservation()
        check_stage_order(self.ledger)
        tree = self.network.tree
        shelf_peak = np.zeros(tree.size)
        shelf_slots = np.full(tree.size, np.inf)
        for node, members in self.point_shelf.items():  # summed over carriers' shelves
            shelf_peak[node] = sum(shelves.peak[member] for shelves, member in members)
            shelf_slots[node] = sum(shelves.slots[member] for shelves, member in members)
        trips = pd.DataFrame(self.trip_log.rows, columns=list(self.trip_log.columns))
        disrupted = self.scenario.config.disruptions.any  # random draws may be none at all
        return SimulationOutput(
            scenario=self.scenario, network=self.network, ledger=self.ledger, trips=trips,
            sort_rate=self.sort_rate, shift_clocks=self.shift_clocks, shelf_peak=shelf_peak,
            shelf_slots=shelf_slots, end_h=self.end_h, in_network=in_network,
            goods=self.goods.finish() if self.goods is not None else None,
            disruptions=self.disruptions if disrupted else None,
            vehicle_hours_out=None if not disrupted else np.array(
                [runner.vehicle_hours_out(self.end_h) for runner in self.runners]),
        )

    def _check_conservation(self) -> int:
        """Created = delivered + in the network, counting the network's contents directly."""
        end = self.end_h
        queued = sum(f.queued() for f in self.facilities.values())
        at_points = sum(len(queue) for queue in self._point_queues)
        on_vehicles = sum(r.carrying() for r in self.runners)
        with_residents = sum(s.waiting_after(end) for s in self.shelves)
        in_network = queued + at_points + on_vehicles + with_residents
        created = len(self.ledger)
        delivered = self.ledger.delivered_by(end)
        if created != delivered + in_network:
            raise ConservationError(
                f"parcels not conserved: created {created} != delivered {delivered} + in network "
                f"{in_network} (queued {queued}, at points {at_points}, on vehicles "
                f"{on_vehicles}, with residents {with_residents})"
            )
        return in_network


@contextmanager
def _no_cycle_collection() -> Iterator[None]:
    """Python's cycle collector is off during a run, and on again after if it was.

    The engine makes no reference cycles (tests/test_environment.py checks it), so the
    collector would find nothing; its passes over the scenario, the network and the libraries
    cost a Kaifeng month about 0.15 s, even with the objects made before the run frozen."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def check_stage_order(ledger: Ledger) -> None:
    """No parcel leaves a stage before it arrives: stamps never decrease along its path."""
    times = ledger.times  # buffered stamps written once, then plain columns
    for flow, path in ((DOWN, DOWN_PATH), (1 - DOWN, UP_PATH)):
        first_late: dict[str, int] = {}
        # in blocks of parcels, so the stage columns are compared in cache
        for start in range(0, len(ledger), STAGE_CHECK_BLOCK):
            block = slice(start, start + STAGE_CHECK_BLOCK)
            for stage, parcel in _late_stamps(ledger.flow, times, block, flow, path).items():
                first_late.setdefault(stage, parcel)
        for stage in path[1:]:
            if stage in first_late:
                raise ConservationError(f"parcel {first_late[stage]} reached {stage} before "
                                        "an earlier stage of its path")


def _late_stamps(flows: np.ndarray, times: dict[str, np.ndarray], block: slice, flow: int,
                 path: tuple[str, ...]) -> dict[str, int]:
    """Per stage of `path`, the first parcel of `flow` in `block` stamped there before an
    earlier stage of its path."""
    ours = flows[block] == flow
    late: dict[str, int] = {}
    if not ours.any():
        return late
    # the whole block runs along the path (slices, no gathers); only this flow is judged.
    # Compared as stored: rounding to single precision keeps the order of times
    latest = times[path[0]][block].astype(STAMP)
    for stage in path[1:]:
        stamp = times[stage][block]
        bad = (stamp < latest) & ours
        if bad.any():
            late[stage] = block.start + int(np.argmax(bad))
        latest = np.fmax(latest, stamp)
    return late


def simulate(scenario: LoadedScenario,
             progress: Callable[[float, float], None] | None = None) -> SimulationOutput:
    """Build and run one replication."""
    return Simulation(scenario).run(progress)
