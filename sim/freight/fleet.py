"""A hub's trucks or reefers: at each departure every idle vehicle takes the busiest zone.

A trip loads at the hub what its zone is owed, drives through the zone's stops handing lots
over and picking lots up, and unloads its pick-ups at the hub's dock. Pick-ups bound for a
cold store need booked room, so a full store leaves goods where they are.
"""

from __future__ import annotations

from collections.abc import Callable, Generator
from dataclasses import dataclass, field

import numpy as np
import simpy

from sim.freight.life import ShelfLife
from sim.freight.occupancy import Occupancy
from sim.freight.picking import EPS
from sim.freight.plan import FleetPlan
from sim.freight.store import HubStore
from sim.processes import start

GATEWAY_KEY = -1  # the key of lots bound for the gateway; zones' keys are 0, 1, ...


@dataclass
class FreightTrips:
    """One row per trip."""

    columns: tuple[str, ...] = ("fleet", "zone", "depart_h", "back_h", "km", "pallets_out",
                                "pallets_back", "refrigerated")
    rows: list[tuple] = field(default_factory=list)


@dataclass(frozen=True)
class Stops:
    """What a fleet's trips do at the hub and at each stop."""

    owed: Callable[[int, float], float]  # zone, t -> pallets waiting at the hub for it
    fetchable: Callable[[int, float], float]  # zone, t -> pallets it could pick up
    load: Callable[[int, float, float], np.ndarray]  # zone, t, most -> lots loaded at the hub
    pick_up: Callable[[int, int, float, float], np.ndarray]  # zone, stop, t, most -> lots
    books_room: bool  # pick-ups need room in the hub's store
    picks_up: bool = True  # False: rounds only hand lots over


class FleetRunner:
    """The dispatcher of one fleet and its trips."""

    def __init__(self, env: simpy.Environment, plan: FleetPlan, stops: Stops, store: HubStore,
                 life: ShelfLife, pallets: np.ndarray, key_of: np.ndarray,
                 destination: np.ndarray, trips: FreightTrips, end_h: float) -> None:
        self.env, self.plan, self.stops, self.store = env, plan, stops, store
        self.life, self.pallets, self.key_of = life, pallets, key_of
        self.destination, self.trips, self.end_h = destination, trips, end_h
        self.free_at = np.zeros(plan.spec.vehicles)
        self.out = Occupancy()
        self._aboard: dict[int, np.ndarray] = {}
        self._positions = [_positions(zone.stops) for zone in plan.zones]
        self._leg_hours = [zone.leg_hours.tolist() for zone in plan.zones]  # scalars, fast
        self._hours_to_stop = [np.cumsum(zone.leg_hours[:-1]) for zone in plan.zones]
        env.process(self._timetable())

    def _timetable(self) -> Generator:
        departures = self.plan.spec.departures
        day = 0
        while True:
            for hour in departures:
                t = day * 24.0 + hour
                if t >= self.end_h:
                    return
                yield self.env.timeout(t - self.env.now)
                self._dispatch(t)
            day += 1

    def _dispatch(self, t: float) -> None:
        idle = (self.free_at <= t + EPS).nonzero()[0]
        if not len(idle) or not self.plan.zones:
            return
        zones = range(len(self.plan.zones))
        score = np.array([self.stops.owed(z, t) + self.stops.fetchable(z, t) for z in zones])
        capacity = self.plan.spec.capacity_pallets
        for vehicle in idle:
            zone = int(score.argmax())
            if score[zone] <= EPS:
                return
            score[zone] -= capacity
            self.free_at[vehicle] = np.inf
            start(self._trip(int(vehicle), zone))

    def _trip(self, vehicle: int, zone_index: int) -> Generator:
        spec, zone = self.plan.spec, self.plan.zones[zone_index]
        depart = self.env.now
        self.out.add(depart, 1.0)
        cargo = self.stops.load(zone_index, depart, spec.capacity_pallets)
        self.life.move(cargo, depart, cold=spec.refrigerated)
        self._aboard[vehicle] = cargo
        pallets_out = float(self.pallets[cargo].sum())
        if self.stops.picks_up:
            picked, booked, rest = yield from self._visit(vehicle, zone_index)
        else:
            picked, booked = np.empty(0, dtype=np.int64), 0.0
            rest = self._drop_off(vehicle, zone_index)
        yield self.env.timeout(rest + self._leg_hours[zone_index][-1])
        back = self.env.now
        self.store.handle_in(picked, back, self.key_of[picked], booked)
        self._aboard[vehicle] = np.empty(0, dtype=np.int64)
        yield self.env.timeout(spec.stop_h)
        self.free_at[vehicle] = self.env.now
        self.out.add(self.env.now, -1.0)
        self.trips.rows.append((self.plan.name, zone.name, depart, self.env.now, zone.loop_km,
                                pallets_out, float(self.pallets[picked].sum()),
                                spec.refrigerated))

    def _visit(self, vehicle: int, zone_index: int) -> Generator:
        """Stop by stop: hand lots over, then pick up what is ready and fits (booking room
        in a cold store first). Returns the lots picked up, the room booked and the time
        still to spend at the last stop."""
        spec, zone = self.plan.spec, self.plan.zones[zone_index]
        leg_hours = self._leg_hours[zone_index]
        picked: list[np.ndarray] = []
        booked = 0.0
        wait = spec.stop_h  # loading at the hub, then the first leg, in one wait
        for number, stop in enumerate(zone.stops):
            yield self.env.timeout(wait + leg_hours[number])
            now = self.env.now
            aboard = self._aboard[vehicle]
            here = self.destination[aboard] == stop
            handed = bool(np.count_nonzero(here))
            if handed:
                self.life.deliver(aboard[here], now)
                aboard = aboard[~here]
            room = spec.capacity_pallets - float(self.pallets[aboard].sum())
            if self.stops.books_room:
                room = min(room, self.store.room())
            lots = self.stops.pick_up(zone_index, int(stop), now, room)
            if len(lots):
                if self.stops.books_room:
                    pallets = float(self.pallets[lots].sum())
                    self.store.book(pallets)
                    booked += pallets
                self.life.move(lots, now, cold=spec.refrigerated)
                picked.append(lots)
                aboard = np.concatenate((aboard, lots))
            self._aboard[vehicle] = aboard
            wait = spec.stop_h if handed or len(lots) else 0.0
        return (np.concatenate(picked) if picked else np.empty(0, dtype=np.int64)), booked, wait

    def _drop_off(self, vehicle: int, zone_index: int) -> float:
        """A round that only hands lots over, settled at departure: no one else touches the
        load, so each lot's hand-over time is known now. Lots due after the run's end stay
        aboard. Returns the hours until the vehicle leaves its last stop."""
        spec, zone = self.plan.spec, self.plan.zones[zone_index]
        cargo = self._aboard[vehicle]
        at = self._positions[zone_index][self.destination[cargo]]
        works = np.zeros(len(zone.stops), dtype=bool)
        works[at] = True
        dwell = np.where(works, spec.stop_h, 0.0)
        start = self.env.now + spec.stop_h  # loaded at the hub
        hours_to_stop = self._hours_to_stop[zone_index]  # driving only
        arrive = start + hours_to_stop + np.concatenate(([0.0], dwell.cumsum()[:-1]))
        due = arrive[at]
        now_done = due <= self.end_h
        self.life.deliver(cargo[now_done], due[now_done])
        self._aboard[vehicle] = cargo[~now_done]
        return spec.stop_h + float(zone.leg_hours[:-1].sum() + dwell.sum())

    def finish(self, t: float) -> int:
        """At the end: throw out what spoiled aboard; return the lots still aboard."""
        return sum(len(self.life.cull(ids, t)) for ids in self._aboard.values())


def _positions(stops: np.ndarray) -> np.ndarray:
    """Each stop's place in the visiting order, indexed by site."""
    position = np.zeros(int(stops.max()) + 1, dtype=np.int64)
    position[stops] = np.arange(len(stops))
    return position
