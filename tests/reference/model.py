"""A parcel-per-process reference model, written from docs/model.md (not from sim/engine).

Every parcel is its own SimPy process that walks its path stage by stage: it waits to be
created, waits for a sorting line (`simpy.Resource`, one slot per line), waits in a queue to be
loaded, waits on the vehicle to be dropped, and finally hands itself over to its resident.
Vehicles are processes that drive their loop in simulated time, stop by stop, and route
dispatchers are processes that follow the timetable. Nothing is vectorised and nothing is
settled ahead of time: the point is to be obviously right, not fast.

Inputs (parcels, routes, travel-noise streams, clocks, the pickup-delay quantile function)
are the engine's, so both models see the same random numbers; the dynamics are not.

Exact instants: a sorting line keeps its clock in exact fractions of shift hours (the k-th
parcel of a busy period that starts at w finishes at exactly w + k/rate), and vehicles add
up their times as docs/model.md writes them and wait until exactly that time. So when a
parcel is ready exactly at a cut-off, no rounding of SimPy's `now + delay` decides for it.

Simultaneous events: SimPy runs events of one instant in scheduling order. The rules read
"ready at t" and "made by t" as "at or before t", and a vehicle back at t is idle at t. So
every *decision* (a departure, what a vehicle collects) waits for `settle()`, an event of
priority LATE that runs after every ordinary event of the same instant (sorting lines
finishing, vehicles returning, residents dropping parcels off).
"""

from __future__ import annotations

import heapq
import math
from bisect import insort
from fractions import Fraction

import numpy as np
import pandas as pd
import simpy

from sim.clock import DailyClock
from sim.demand import DOWN, node_stream
from sim.engine.ledger import STAGES
from sim.engine.model import STREAM_TRAVEL
from sim.engine.shelf import PickupDelay
from sim.network import COURIER, GATEWAY, HUB, PARK, POINT, STATION

LATE = 2  # SimPy priorities are URGENT 0 and NORMAL 1: LATE runs after both at one instant
ARRIVED = {HUB: "hub_arr", PARK: "park_arr", STATION: "station_arr", POINT: "point_arr"}
SORTED = {HUB: "hub_sorted", PARK: "park_sorted", STATION: "station_sorted"}
LEFT = {GATEWAY: "gateway_dep", HUB: "hub_dep", PARK: "park_dep", STATION: "station_dep",
        POINT: "point_dep"}


class Settle(simpy.Event):
    """A zero-delay event of priority LATE (built the way SimPy builds its Timeout)."""

    def __init__(self, env: simpy.Environment) -> None:
        super().__init__(env)
        self._ok, self._value = True, None
        env.schedule(self, priority=LATE)


class Ride:
    """A parcel's trip on one vehicle: `boarded` fires with its departure stamp (the time
    the vehicle left the base, or the stop where it was collected), `dropped` with the time
    it is put down. Both are made up front so a parcel cannot miss either."""

    __slots__ = ("boarded", "dropped")

    def __init__(self, env: simpy.Environment) -> None:
        self.boarded = env.event()
        self.dropped = env.event()


class RouteState:
    """A route's mutable state: its outbound queue at the base and its idle vehicles."""

    def __init__(self, env: simpy.Environment, route, fleet, rng, kind: str) -> None:
        self.route = route
        self.fleet = fleet
        self.rng = rng
        self.kind = kind  # "facility" (stops are facilities), "village" or "courier"
        self.queue: list[int] = []  # ready parcels, in order of readiness
        self.idle = list(range(route.vehicles))  # vehicle numbers, kept sorted
        self.change = env.event()  # fires when the queue grows or a vehicle is back


class Reference:
    """One replication of the rules of docs/model.md, one process per parcel."""

    def __init__(self, scenario, parcels, network) -> None:
        config = scenario.config
        self.config = config
        self.parcels = parcels
        self.network = network
        self.tree = tree = network.tree
        self.env = env = simpy.Environment()
        self.end = (config.run.days + config.run.drain_days) * 24.0
        n = len(parcels)
        self.times = {stage: np.full(n, np.nan) for stage in STAGES}
        self.times["created"] = np.asarray(parcels.created, dtype=np.float64).copy()
        self.gateway = int(tree.ancestors[GATEWAY, 0])
        self.delay = PickupDelay(config.pickup)
        self.ride: dict[int, Ride] = {}

        # Facilities: a sorting line each (not the gateway), with its shift clock and rate.
        nodes = scenario.nodes
        specs = {HUB: config.facilities.hub, PARK: config.facilities.park,
                 STATION: config.facilities.station}
        self.line: dict[int, simpy.Resource] = {}
        self.shift: dict[int, DailyClock] = {}
        self.rate: dict[int, float] = {}
        self.in_line: dict[int, int] = {}
        self.free_at: dict[int, list[Fraction]] = {}
        self.up_queue: dict[int, list[int]] = {}
        for node in np.flatnonzero(tree.level < POINT):
            node = int(node)
            self.up_queue[node] = []
            level = int(tree.level[node])
            if level == GATEWAY:
                continue
            spec = specs[level]
            if getattr(spec, "service", "constant") != "constant":
                raise NotImplementedError("docs/model.md states constant service times only")
            own_rate = nodes["sort_rate_per_h"].iat[node]
            self.rate[node] = float(spec.rate_per_h if pd.isna(own_rate) else own_rate)
            self.shift[node] = DailyClock(spec.shifts)
            lines = getattr(spec, "lines", 1)  # identical lines sharing one FIFO queue
            self.line[node] = simpy.Resource(env, capacity=lines)
            self.free_at[node] = [Fraction(0)] * lines  # shift hours when each is next free
            self.in_line[node] = 0

        # Where residents collect: station counters and point shelves, in opening hours.
        self.opening: dict[int, DailyClock] = {}
        kind_hours = {STATION: config.facilities.station.opening_hours,
                      POINT: config.facilities.point.opening_hours}
        for node in np.flatnonzero(np.isin(tree.level, list(kind_hours))):
            own = nodes["opening_hours"].iat[int(node)]
            unset = own is None or (isinstance(own, float) and math.isnan(own))
            hours = kind_hours[int(tree.level[node])] if unset else own
            self.opening[int(node)] = DailyClock(hours)
        self.slots: dict[int, float] = {}
        self.promised: dict[int, dict[int, float]] = {}  # point -> {parcel: pickup time}
        self.dropoffs: dict[int, list[int]] = {}  # point -> residents' drop-offs, oldest first
        for node in tree.of_level(POINT):
            own = nodes["shelf_slots"].iat[int(node)]
            self.slots[int(node)] = (config.facilities.point.shelf_slots if pd.isna(own)
                                     else float(own))
            self.promised[int(node)] = {}
            self.dropoffs[int(node)] = []

        # Routes and their dispatchers.
        fleets = config.fleets.by_name()
        cv = config.network.travel_noise_cv
        self.noise_sigma = float(np.sqrt(np.log1p(cv**2)))
        self.routes: list[RouteState] = []
        for route in network.routes:
            if route.fleet == COURIER:
                kind = "courier"
            elif tree.level[route.stops[0]] == POINT:
                kind = "village"
            else:
                kind = "facility"
            rng = node_stream(config.run, STREAM_TRAVEL, route.name)
            self.routes.append(RouteState(env, route, fleets[route.fleet], rng, kind))
        for state in self.routes:
            env.process(self.dispatcher(state))

        # Bookkeeping for the conservation check only.
        self.on_board = 0
        self.with_residents: list[float] = []  # done times of parcels handed over
        # One row per trip, for tests to check a scenario exercises what it means to:
        # [route, vehicle, depart, loaded, passed over for a full shelf, back (NaN: out)]
        self.trips: list[list[float]] = []

        for pid in range(n):
            if parcels.flow[pid] == DOWN:
                env.process(self.down_parcel(pid))
            else:
                env.process(self.up_parcel(pid))

    # -- small helpers -----------------------------------------------------------------

    def settle(self) -> simpy.Event:
        """An event at this instant that runs after every ordinary event of the instant."""
        return Settle(self.env)

    def at(self, t: float) -> simpy.Event:
        """A timeout firing at exactly time t (`now + (t - now)` can miss t by an ulp)."""
        now = self.env.now
        delay = t - now
        while now + delay < t:
            delay = math.nextafter(delay, math.inf)
        while now + delay > t:
            delay = math.nextafter(delay, -math.inf)
        return self.env.timeout(max(delay, 0.0))

    def notify(self, state: RouteState) -> None:
        event, state.change = state.change, self.env.event()
        event.succeed()

    def is_door(self, pid: int) -> bool:
        return bool(self.parcels.u_door[pid] < self.config.pickup.door_share)

    def next_node(self, pid: int, base: int) -> int:
        """The node one tier below `base` on the way to the parcel's destination."""
        return int(self.tree.ancestors[self.tree.level[base] + 1, self.parcels.destination[pid]])

    def hand_over(self, pid: int, clock: DailyClock | None, door_share: float,
                  door_h: float) -> float:
        """The parcel reaches its resident's node now: to the door, or onto the shelf for a
        pickup delay counted in the node's opening hours. Returns the done time."""
        now = self.env.now
        u = float(self.parcels.u_pickup[pid])
        if self.parcels.u_door[pid] < door_share:
            done = now + door_h * u
        else:
            delay = float(self.delay(np.array([u]))[0])
            done = float(clock.to_real(float(clock.to_open(now)) + delay))
        self.times["done"][pid] = done
        self.with_residents.append(done)
        return done

    # -- parcels -----------------------------------------------------------------------

    def ride_route(self, pid: int, state: RouteState, stage: str):
        """Wait in the route's queue, board (stamp `stage`), and ride until dropped."""
        ride = self.ride[pid] = Ride(self.env)
        state.queue.append(pid)
        if state.fleet.dispatch == "cutoff_or_full":
            self.notify(state)
        self.times[stage][pid] = yield ride.boarded
        yield ride.dropped
        del self.ride[pid]

    def sort(self, pid: int, node: int):
        """First come first served on the facility's line, 1/rate shift hours each: a parcel
        finishes 1/rate after the later of its arrival and the previous parcel's finish, on
        the clock that runs only in shifts (kept exact, rounded once to real time). With
        several identical lines, the line free first takes the head of the queue."""
        self.in_line[node] += 1
        clock = self.shift[node]
        arrived = Fraction(float(clock.to_open(self.env.now)))
        with self.line[node].request() as request:
            yield request
            free = heapq.heappop(self.free_at[node])
            finish = max(arrived, free) + 1 / Fraction(self.rate[node])
            heapq.heappush(self.free_at[node], finish)
            yield self.at(float(clock.to_real(float(finish))))
        self.in_line[node] -= 1
        self.times[SORTED[int(self.tree.level[node])]][pid] = self.env.now

    def down_parcel(self, pid: int):
        """Gateway -> hub -> park -> (station -> (point)) -> resident."""
        env, tree = self.env, self.tree
        yield env.timeout(self.parcels.created[pid])
        destination = int(self.parcels.destination[pid])
        node = self.gateway  # ready on arrival: the gateway has no line
        while node != destination:
            nxt = self.next_node(pid, node)
            state = self.routes[self.network.route_of_node[nxt]]
            yield from self.ride_route(pid, state, LEFT[int(tree.level[node])])
            node = nxt
            level = int(tree.level[node])
            self.times[ARRIVED[level]][pid] = env.now
            if level == POINT:  # dropped at the village point's shelf (or for the door)
                done = self.hand_over(pid, self.opening[node], self.config.pickup.door_share,
                                      self.config.pickup.door_delivery_h)
                if not self.is_door(pid):
                    self.promised[node][pid] = done
                return
            yield from self.sort(pid, node)
        pickup = self.config.pickup
        if tree.level[node] == STATION:  # the counter, reached at the ready time
            self.times["station_dep"][pid] = env.now  # leaves the line for the counter
            self.hand_over(pid, self.opening[node], pickup.door_share, pickup.door_delivery_h)
            return
        # county seat: the courier's queue, then the door when the round starts
        state = self.routes[self.network.courier_route[node]]
        yield from self.ride_route(pid, state, LEFT[PARK])
        self.hand_over(pid, None, 1.0, self.config.fleets.courier.round_h)

    def up_parcel(self, pid: int):
        """Resident -> (point ->) station or park -> ... -> gateway."""
        env, tree = self.env, self.tree
        yield env.timeout(self.parcels.created[pid])
        node = int(self.parcels.origin[pid])
        if tree.level[node] == POINT:  # waits at the point for the village van
            ride = self.ride[pid] = Ride(env)
            self.dropoffs[node].append(pid)
            self.times["point_dep"][pid] = yield ride.boarded
            yield ride.dropped
            del self.ride[pid]
            node = int(tree.parent[node])
        self.times[ARRIVED[int(tree.level[node])]][pid] = env.now
        while True:
            yield from self.sort(pid, node)
            ride = self.ride[pid] = Ride(env)
            self.up_queue[node].append(pid)
            self.times[LEFT[int(tree.level[node])]][pid] = yield ride.boarded
            yield ride.dropped
            del self.ride[pid]
            node = int(tree.parent[node])
            if node == self.gateway:
                self.times["done"][pid] = env.now
                return
            self.times[ARRIVED[int(tree.level[node])]][pid] = env.now

    # -- dispatch and trips ------------------------------------------------------------

    def slots_of(self, fleet) -> list[float]:
        """The timetable's slots 24 x day + c, in order, before the end of the run."""
        days = int(np.ceil(self.end / 24.0)) + 1
        return [24.0 * day + c for day in range(days) for c in fleet.departures
                if 24.0 * day + c < self.end]

    def dispatcher(self, state: RouteState):
        """Cut-offs in order; `cutoff_or_full` also sends full vehicles in between."""
        env, fleet = self.env, state.fleet
        # timers made at time 0 so that each fires at exactly its slot time
        ticks = [(s, env.timeout(s)) for s in self.slots_of(fleet)]
        for slot, tick in ticks:
            while env.now < slot:  # step 1: until the slot
                if (fleet.dispatch == "cutoff_or_full" and state.idle
                        and len(state.queue) >= fleet.capacity):
                    self.depart(state)
                    continue
                yield tick | state.change
                yield self.settle()
            while not state.idle:  # step 2: at the slot, or when a vehicle is back
                yield state.change
                yield self.settle()
            self.depart(state)
            while state.idle and state.queue:
                self.depart(state)

    def load(self, state: RouteState, t0: float) -> tuple[list[int], int]:
        """Head of the queue up to capacity; on a village route, passing over shelf parcels
        for a point once as many as its free slots at t0 are loaded. Returns the load and
        how many parcels were passed over."""
        capacity = state.fleet.capacity
        free: dict[int, float] = {}
        if state.kind == "village":
            for point in state.route.stops:
                point = int(point)
                promised = self.promised[point]
                for pid in [p for p, pickup in promised.items() if pickup <= t0]:
                    del promised[pid]  # picked up by t0: its slot is free again
                free[point] = self.slots[point] - len(promised)
        loaded: list[int] = []
        kept: list[int] = []
        count: dict[int, int] = {}
        passed_over = 0
        for pid in state.queue:
            if len(loaded) >= capacity:
                kept.append(pid)
                continue
            if state.kind == "village" and not self.is_door(pid):
                point = int(self.parcels.destination[pid])
                if count.get(point, 0) >= free[point]:
                    kept.append(pid)
                    passed_over += 1
                    continue
                count[point] = count.get(point, 0) + 1
                self.promised[point][pid] = np.inf  # on its way: holds a slot
            loaded.append(pid)
        state.queue[:] = kept
        return loaded, passed_over

    def depart(self, state: RouteState) -> None:
        """The idle vehicle with the lowest number leaves now: draw noise, load, go."""
        vehicle = state.idle.pop(0)
        legs = len(state.route.leg_hours)
        if self.noise_sigma > 0:
            s = self.noise_sigma
            noise = state.rng.lognormal(-s * s / 2, s, legs)
        else:
            noise = np.ones(legs)
        t0 = self.env.now
        loaded, passed_over = self.load(state, t0)
        for pid in loaded:
            self.ride[pid].boarded.succeed(t0)
        self.on_board += len(loaded)
        row = [state.route.index, vehicle, t0, len(loaded), passed_over, np.nan]
        self.trips.append(row)
        self.env.process(self.trip(state, vehicle, t0, loaded, noise, row))

    def collect(self, state: RouteState, stop: int, room: int) -> list[int]:
        """Upward parcels at a stop: a facility's up queue head, or a point's drop-offs."""
        if room <= 0 or state.kind == "courier":
            return []
        waiting = self.up_queue[stop] if state.kind == "facility" else self.dropoffs[stop]
        taken = waiting[:room]
        del waiting[:room]
        return taken

    def trip(self, state: RouteState, vehicle: int, t0: float, loaded: list[int],
             noise: np.ndarray, row: list[float]):
        """Load time, then each stop in simulated time (drop, then collect), then back.
        `t` is added up as docs/model.md writes it; the vehicle waits until exactly t."""
        route, fleet = state.route, state.fleet
        t = t0 + fleet.load_h + fleet.load_s_per_parcel * len(loaded) / 3600.0
        yield self.at(t)
        dwell = self.config.fleets.courier.round_h if state.kind == "courier" else 0.0
        carrying = list(loaded)
        collected: list[int] = []
        for leg, stop in enumerate(route.stops):
            stop = int(stop)
            t += route.leg_hours[leg] * noise[leg]
            yield self.at(t)
            if state.kind == "courier":
                dropped, carrying = carrying, []
            else:
                dropped = [p for p in carrying if self.next_node(p, route.base) == stop]
                carrying = [p for p in carrying if self.next_node(p, route.base) != stop]
            for pid in dropped:  # in load order
                self.ride[pid].dropped.succeed(t)
            self.on_board -= len(dropped)
            yield self.settle()  # whatever becomes ready or is made at t can be collected
            taken = self.collect(state, stop, fleet.capacity - len(carrying) - len(collected))
            for pid in taken:
                self.ride[pid].boarded.succeed(t)
            self.on_board += len(taken)
            collected += taken
            t += fleet.stop_h + dwell + fleet.stop_s_per_parcel * (
                len(dropped) + len(taken)) / 3600.0
        t += route.leg_hours[-1] * noise[-1]
        yield self.at(t)
        assert not carrying, "a parcel rode past its stop"
        for pid in collected:  # unloaded at the base, in the order collected
            self.ride[pid].dropped.succeed(t)
        self.on_board -= len(collected)
        row[-1] = t
        insort(state.idle, vehicle)
        self.notify(state)

    # -- running -----------------------------------------------------------------------

    def run(self) -> dict[str, np.ndarray]:
        """Run to the end of the run, inclusive: what happens exactly at the end has
        happened by the end (delivered means done at or before it)."""
        self.env.run(until=self.end)
        while self.env.peek() <= self.end:
            self.env.step()
        return self.times

    def inside(self) -> int:
        """Parcels still in the network at the end, counted from the model's containers."""
        queued = sum(len(s.queue) for s in self.routes) + sum(map(len, self.up_queue.values()))
        at_points = sum(map(len, self.dropoffs.values()))
        in_lines = sum(self.in_line.values())
        with_residents = sum(1 for done in self.with_residents if done > self.end)
        return queued + at_points + in_lines + self.on_board + with_residents


def run_reference(scenario, parcels, network) -> dict[str, np.ndarray]:
    """Per-parcel stage times (NaN where a parcel never got there) by the reference model."""
    return Reference(scenario, parcels, network).run()
