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
                 log: TripLog, horizon_h: float) -> None:
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
        env.process(self._dispatch())

    # -- dispatching -------------------------------------------------------------------

    def _dispatch(self):
        day = 0
        while True:
            for cutoff in self.fleet.departures:
                slot = day * 24.0 + cutoff
                if slot >= self.horizon_h:
                    return
                yield from self._wait_for_cutoff(slot)
                while not self.idle:
                    yield self._vehicle_back()
                self.base.sync(self.env.now)
                self._depart()
                while self.idle and self.queue.ready_count(self.env.now) > 0:
                    self._depart()
            day += 1

    def _wait_for_cutoff(self, slot: float):
        env = self.env
        capacity = self.fleet.capacity
        while env.now < slot:
            if self.fleet.dispatch == "cutoff":
                yield env.timeout(slot - env.now)
                return
            self.base.sync(env.now)
            if self.idle and self.queue.ready_count(env.now) >= capacity:
                self._depart()
                continue
            wake = min(slot, self.queue.time_ready(capacity)) if self.idle else slot
            events = [env.timeout(max(wake - env.now, 0.0)), self.queue.changed()]
            if not self.idle:
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

    # -- one trip ----------------------------------------------------------------------

    def _load(self, t0: float) -> tuple[list[np.ndarray], int]:
        """Take the load at the base and split it by stop, in visiting order; and its size."""
        capacity = self.fleet.capacity
        loading = self.loading
        if loading.shelf_slot is None:
            ids = self.queue.take(t0, capacity)
        else:
            allowance = np.empty(len(loading.shelves.slots) + 1, dtype=np.int64)
            allowance[:-1] = loading.shelves.free(t0).clip(0, capacity)
            allowance[-1] = capacity  # parcels that need no shelf
            ids, taken = self.queue.take_limited(t0, capacity, loading.shelf_slot, allowance)
            loading.shelves.reserve(taken[:-1])
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

    def _trip(self, vehicle: int, per_stop: list[np.ndarray], load: int):
        env, fleet, route = self.env, self.fleet, self.route
        t0 = env.now
        down = load
        self.onboard[vehicle] = load
        peak = load
        legs = route.leg_hours
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
        self.log.add(route.index, vehicle, t0, t, self._loop_km, down, len(up), peak)
        self.idle.append(vehicle)
        self.idle.sort()
        if self._back is not None:
            self._back.succeed()
            self._back = None

    def carrying(self) -> int:
        return sum(self.onboard.values())
