"""Vehicles on their routes: the few, stateful SimPy processes of the model.

Each route has a dispatcher process that follows the fleet's daily timetable. At each cut-off
it sends an idle vehicle (the first one goes even if empty: it collects on its way back) and
more while ready parcels remain; with the `cutoff_or_full` rule a vehicle also leaves as soon
as a full load is ready. A vehicle late back from its loop delays the next departure.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import simpy

from sim.demand import PARCEL_ID
from sim.engine.disruptions import RouteLegs
from sim.engine.facility import Facility
from sim.engine.ledger import Ledger
from sim.engine.queues import ParcelQueue
from sim.engine.shelf import Shelves
from sim.network import Route
from sim.processes import start

SECONDS_PER_HOUR = 3600.0


@dataclass
class TripLog:
    """One row per vehicle trip, appended as trips end."""

    rows: list[tuple] = field(default_factory=list)
    columns: tuple[str, ...] = (
        "route", "vehicle", "depart_h", "return_h", "km", "down_parcels", "up_parcels",
        "peak_load",
    )

    def add(self, *row: object) -> None:
        self.rows.append(row)


@dataclass(frozen=True)
class RouteDisruptions:
    """What disrupts one route: vehicles out of service, roads closed or slowed, stops
    closed (docs/model.md, Disruptions)."""

    vehicles_out: list[tuple[float, int]] = field(default_factory=list)  # (time, change)
    roads: list[tuple[float, float, RouteLegs | None]] = field(default_factory=list)
    closed_stops: list[tuple[int, float, float]] = field(default_factory=list)  # position

    def legs_at(self, t: float) -> tuple[bool, RouteLegs | None, float]:
        """Whether roads are disrupted at t, the legs then (None: a stop cut off) and when
        that period ends."""
        for begin, end, legs in self.roads:
            if begin <= t < end:
                return True, legs, end
        return False, None, np.inf

    def closed_at(self, t: float) -> list[int]:
        return [position for position, begin, end in self.closed_stops if begin <= t < end]


@dataclass(frozen=True)
class Loading:
    """How a route loads at its base: per-parcel stop slots and whether shelves limit it."""

    stop_position: np.ndarray  # (node, carrier) -> position of the node among the stops
    stop_level: int
    shelves: Shelves | None = None  # the shelves of the route's stops, if they are shelves
    shelf_slot: np.ndarray | None = None  # parcel id -> stop whose free slots bound it


class RouteRunner:
    """Dispatcher and vehicles of one route."""

    def __init__(self, env: simpy.Environment, route: Route, base: Facility,
                 stops: Sequence, queue: ParcelQueue, ledger: Ledger, loading: Loading,
                 ancestors: np.ndarray, rng: np.random.Generator, noise_cv: float,
                 log: TripLog, horizon_h: float,
                 disruptions: RouteDisruptions | None = None) -> None:
        self.env = env
        self.route = route
        self._loop_km = route.loop_km  # a sum over the legs: once, not per trip
        self.fleet = route.spec
        self.base = base
        self.stops = list(stops)
        self.queue = queue
        self.ledger = ledger
        self.loading = loading
        # a parcel's stop is its destination's ancestor at the stops' level; a route carries
        # one carrier's parcels (or every carrier's through the same stops), so one column of
        # the stop positions maps a destination to its stop
        column = loading.stop_position[:, max(route.carrier, 0)]
        small = column.max(initial=0) <= np.iinfo(np.int16).max  # small ints sort by radix
        self._stop_of_destination = column[ancestors[loading.stop_level]].astype(
            np.int16 if small else np.int64)
        self.rng = rng
        self.noise_sigma = float(np.sqrt(np.log1p(noise_cv**2)))
        self.log = log
        self.horizon_h = horizon_h
        self.idle = list(range(route.vehicles))
        self.onboard = dict.fromkeys(self.idle, 0)
        self._back: simpy.Event | None = None
        self.disruptions = disruptions
        self.out_of_service = 0  # vehicles laid up: the idle ones beyond it may leave
        self._held = False  # waiting to leave because roads were cut or vehicles laid up
        self._out_hours, self._out_since = 0.0, 0.0  # vehicle-hours laid up, up to when
        self._slot_of_parcel: np.ndarray | None = None
        if disruptions is not None and disruptions.vehicles_out:
            env.process(self._lay_up(sorted(disruptions.vehicles_out)))
        env.process(self._dispatch())

    # -- dispatching -------------------------------------------------------------------

    def _dispatch(self):
        day = 0
        departures = list(self.fleet.departures)
        while True:
            for number, cutoff in enumerate(departures):
                slot = day * 24.0 + cutoff
                if slot >= self.horizon_h:
                    return
                following = day * 24.0 + (departures[number + 1] if number + 1 < len(departures)
                                          else 24.0 + departures[0])
                if self._held and following <= self.env.now:
                    continue  # missed while cut off or laid up: the latest departure goes
                yield from self._wait_for_cutoff(slot)
                while not self._ready_to_leave():
                    yield from self._wait_to_leave()
                self.base.sync(self.env.now)
                self._held = False
                self._depart()
                while self._usable() and self.queue.ready_count(self.env.now) > 0:
                    self._depart()
            day += 1

    def _usable(self) -> bool:
        """Whether a vehicle in service is idle at the base."""
        return len(self.idle) > self.out_of_service

    def _blocked_until(self) -> float:
        """When the roads to every stop open again, if some stop is cut off now, else 0."""
        if self.disruptions is None or not self.disruptions.roads:
            return 0.0
        disrupted, legs, end = self.disruptions.legs_at(self.env.now)
        return end if disrupted and legs is None else 0.0

    def _ready_to_leave(self) -> bool:
        return self._usable() and not self._blocked_until()

    def _wait_to_leave(self):
        """Wait for a vehicle in service, then for the roads to open (noting when the wait
        is the disruptions' doing)."""
        if not self._usable():
            self._held = self._held or self.out_of_service > 0
            yield self._vehicle_back()
        else:
            self._held = True
            yield self.env.timeout(self._blocked_until() - self.env.now)

    def _lay_up(self, changes: list[tuple[float, int]]):
        """Take vehicles out of service and back as the disruptions say; one out on a loop
        finishes it first."""
        for t, change in changes:
            if t > self.env.now:
                yield self.env.timeout(t - self.env.now)
            self._out_hours = self.vehicle_hours_out(self.env.now)
            self._out_since = self.env.now
            self.out_of_service += change
            if change < 0 and self._back is not None:
                self._back.succeed()
                self._back = None

    def _wait_for_cutoff(self, slot: float):
        env = self.env
        capacity = self.fleet.capacity
        while env.now < slot:
            if self.fleet.dispatch == "cutoff":
                yield env.timeout(slot - env.now)
                return
            self.base.sync(env.now)
            blocked = self._blocked_until()
            if blocked:
                yield env.timeout(min(blocked, slot) - env.now)
                continue
            if self._usable() and self.queue.ready_count(env.now) >= capacity:
                self._depart()
                continue
            wake = min(slot, self.queue.time_ready(capacity)) if self._usable() else slot
            events = [env.timeout(max(wake - env.now, 0.0)), self.queue.changed()]
            if not self._usable():
                events.append(self._vehicle_back())
            yield env.any_of(events)

    def _vehicle_back(self) -> simpy.Event:
        if self._back is None:
            self._back = self.env.event()
        return self._back

    def _depart(self) -> None:
        """Send the lowest-numbered idle vehicle; it loads now, before anyone else looks at
        the queue."""
        vehicle = self.idle.pop(0)
        per_stop, load = self._load(self.env.now)
        start(self._trip(vehicle, per_stop, load))

    def vehicle_hours_out(self, until: float) -> float:
        """Vehicle-hours out of service from the start up to `until`."""
        out = min(self.out_of_service, self.route.vehicles)
        return self._out_hours + out * (until - self._out_since)

    # -- one trip ----------------------------------------------------------------------

    def _load(self, t0: float) -> tuple[list[np.ndarray], int]:
        """Take the load at the base and split it by stop, in visiting order; and its size."""
        capacity = self.fleet.capacity
        loading = self.loading
        closed = self.disruptions.closed_at(t0) if self.disruptions is not None else []
        if loading.shelf_slot is not None:
            allowance = np.empty(len(loading.shelves.slots) + 1, dtype=np.int64)
            allowance[:-1] = loading.shelves.free(t0).clip(0, capacity)
            allowance[closed] = 0  # parcels for a closed stop wait here
            allowance[-1] = capacity  # parcels that need no shelf
            ids, taken = self.queue.take_limited(t0, capacity, loading.shelf_slot, allowance)
            loading.shelves.reserve(taken[:-1])
        elif closed:
            allowance = np.full(len(self.stops), capacity, dtype=np.int64)
            allowance[closed] = 0
            ids, _taken = self.queue.take_limited(t0, capacity, self._stop_of_parcel(),
                                                  allowance)
        else:
            ids = self.queue.take(t0, capacity)
        if len(ids):
            self.ledger.stamp(self.base.departure_stage, ids, t0)
        if len(self.stops) == 1:
            return [ids], len(ids)
        position = self._stop_of_destination[self.ledger.destination[ids]]
        in_order = ids[np.argsort(position, kind="stable")]
        counts = np.bincount(position, minlength=len(self.stops)).tolist()
        ends = list(itertools.accumulate(counts))
        return ([in_order[end - count : end] for count, end in zip(counts, ends, strict=True)],
                len(ids))

    def _stop_of_parcel(self) -> np.ndarray:
        """Each parcel's stop on this route (by its destination), made when first needed."""
        if self._slot_of_parcel is None:
            self._slot_of_parcel = self._stop_of_destination[self.ledger.destination]
        return self._slot_of_parcel

    def _legs(self, t0: float) -> tuple[np.ndarray, float]:
        """The legs' hours and the loop's km for a vehicle leaving at t0: the usual ones, or
        round the roads then closed or slowed (kept for the whole loop)."""
        if self.disruptions is not None and self.disruptions.roads:
            disrupted, legs, _end = self.disruptions.legs_at(t0)
            if disrupted and legs is not None:
                return legs.hours, float(legs.km.sum())
        return self.route.leg_hours, self._loop_km

    def _trip(self, vehicle: int, per_stop: list[np.ndarray], load: int):
        env, fleet, route = self.env, self.fleet, self.route
        t0 = env.now
        down = load
        self.onboard[vehicle] = load
        peak = load
        legs, loop_km = self._legs(t0)
        if self.noise_sigma > 0:
            legs = legs * self.rng.lognormal(-self.noise_sigma**2 / 2, self.noise_sigma,
                                             len(legs))
        legs = legs.tolist()  # the loop below adds Python floats: same sums, less overhead
        t = t0 + fleet.load_h + fleet.load_s_per_parcel * load / SECONDS_PER_HOUR
        collected, collected_at = [], []
        for leg, stop, part in zip(legs, self.stops, per_stop, strict=False):
            t += leg
            if stop.realtime:
                yield env.timeout(t - env.now)
            stop.drop(part, t)
            load -= len(part)
            picked = stop.collect(t, fleet.capacity - load)
            load += len(picked)
            self.onboard[vehicle] = load
            peak = max(peak, load)
            collected.append(picked)
            collected_at.append(t)
            handled = len(part) + len(picked)
            t += fleet.stop_h + stop.dwell_h + fleet.stop_s_per_parcel * handled / SECONDS_PER_HOUR
        if self.loading.shelves is not None:
            self.loading.shelves.flush(t0)
        up = np.concatenate(collected) if collected else np.empty(0, dtype=PARCEL_ID)
        if len(up):  # each stop's collection time, stamped for the whole loop at once
            when = np.repeat(collected_at, [len(part) for part in collected])
            self.ledger.stamp(self.stops[0].departure_stage, up, when)
        t += legs[-1]
        yield env.timeout(t - env.now)
        self.base.receive(up, t, from_below=True)
        self.onboard[vehicle] = 0
        self.log.add(route.index, vehicle, t0, t, loop_km, down, len(up), peak)
        self.idle.append(vehicle)
        self.idle.sort()
        if self._back is not None:
            self._back.succeed()
            self._back = None

    def carrying(self) -> int:
        return sum(self.onboard.values())
