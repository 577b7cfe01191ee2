"""What a vehicle does at each kind of stop: drop parcels, then collect what waits to go up.

Two kinds: a facility (its sorting line takes the drop) and a shelf stop: a village point
(its shelf takes the drop, bounded by free slots) or the county seat (the courier's door
round).

A stop is `realtime` when other processes touch its state between a vehicle's departure and
its arrival there (a facility's queues): the vehicle must be there in simulated time. Village
points and the county seat are only ever touched by their own route's vehicles, so a whole
loop through them is settled when the vehicle leaves, in one vectorised step.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from sim.demand import PARCEL_ID
from sim.engine.facility import Facility
from sim.engine.queues import DrawnArrivals
from sim.engine.shelf import Shelves

_EMPTY = np.empty(0, dtype=PARCEL_ID)


class FacilityStop:
    """A hub, park or station visited by a vehicle from the tier above."""

    realtime = True
    dwell_h = 0.0

    def __init__(self, facility: Facility) -> None:
        self.facility = facility

    def drop(self, ids: np.ndarray, t: float) -> None:
        self.facility.receive(ids, t)

    @property
    def departure_stage(self) -> str:
        return self.facility.departure_stage

    def collect(self, t: float, room: int) -> np.ndarray:
        """Up to `room` ready upward parcels (the trip stamps their departure)."""
        self.facility.sync(t)
        return self.facility.up_queue.take(t, room)


class PointStop:
    """Member `member` of a route's shelves, plus its residents' drop-offs.

    A village point, or the county seat around a park (no drop-offs, door rounds of
    `dwell_h` hours).
    """

    realtime = False

    def __init__(self, shelves: Shelves, member: int, dropoffs: DrawnArrivals | None = None,
                 dwell_h: float = 0.0, closed: Sequence[tuple[float, float]] = ()) -> None:
        self.shelves = shelves
        self.member = member
        self.dropoffs = dropoffs
        self.dwell_h = dwell_h
        self.closed = list(closed)  # periods the point is shut: residents drop off nothing

    def drop(self, ids: np.ndarray, t: float) -> None:
        self.shelves.drop_later(ids, self.member, t)

    departure_stage = "point_dep"

    def collect(self, t: float, room: int) -> np.ndarray:
        """Up to `room` of the residents' drop-offs made by t (the trip stamps them)."""
        if self.dropoffs is None or any(start <= t < end for start, end in self.closed):
            return _EMPTY
        return self.dropoffs.take(t, room)
