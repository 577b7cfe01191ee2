"""What a vehicle does at each kind of stop: drop parcels, then collect what waits to go up.

Three kinds: a facility (its sorting line takes the drop), a village point (its shelf takes
the drop, bounded by free slots), and the county seat (the courier's door round).
"""

from __future__ import annotations

import numpy as np

from sim.engine.facility import Facility
from sim.engine.ledger import Ledger
from sim.engine.queues import ParcelQueue
from sim.engine.shelf import Shelf

_EMPTY = np.empty(0, dtype=np.int64)


class FacilityStop:
    """A hub, park or station visited by a vehicle from the tier above."""

    dwell_h = 0.0

    def __init__(self, facility: Facility) -> None:
        self.facility = facility

    def allowance(self, t: float) -> float:
        return np.inf

    def reserve(self, ids: np.ndarray) -> None:
        """Facilities take whatever arrives; nothing to reserve."""

    def drop(self, ids: np.ndarray, t: float) -> None:
        self.facility.receive(ids, t)

    def collect(self, t: float, room: int) -> np.ndarray:
        facility = self.facility
        facility.sync(t)
        ids = facility.up_queue.take(t, room)
        if len(ids):
            facility.ledger.stamp(facility.departure_stage, ids, t)
        return ids


class PointStop:
    """A village service point: a shelf with limited slots and residents' drop-offs."""

    dwell_h = 0.0

    def __init__(self, ledger: Ledger, shelf: Shelf, dropoffs: ParcelQueue) -> None:
        self.ledger = ledger
        self.shelf = shelf
        self.dropoffs = dropoffs
        self.in_transit = 0  # parcels loaded for this point but not yet dropped

    def allowance(self, t: float) -> float:
        """Shelf parcels a vehicle leaving at t may bring: free slots now, minus parcels
        already on their way. Slots only free up before the drop, so it never overfills.
        """
        return max(self.shelf.free_slots(t) - self.in_transit, 0)

    def reserve(self, ids: np.ndarray) -> None:
        self.in_transit += int(np.count_nonzero(~self.shelf.door_mask(ids)))

    def drop(self, ids: np.ndarray, t: float) -> None:
        self.in_transit -= int(np.count_nonzero(~self.shelf.door_mask(ids)))
        if len(ids):
            self.ledger.stamp("point_arr", ids, t)
            self.shelf.hand_over(ids, t)

    def collect(self, t: float, room: int) -> np.ndarray:
        ids = self.dropoffs.take(t, room)
        if len(ids):
            self.ledger.stamp("point_dep", ids, t)
        return ids


class SeatStop:
    """The county seat around a park: the courier delivers door to door for `round_h`."""

    def __init__(self, shelf: Shelf, round_h: float) -> None:
        self.shelf = shelf
        self.dwell_h = round_h

    def allowance(self, t: float) -> float:
        return np.inf

    def reserve(self, ids: np.ndarray) -> None:
        """Door rounds have no shelf to reserve."""

    def drop(self, ids: np.ndarray, t: float) -> None:
        if len(ids):
            self.shelf.hand_over(ids, t)

    def collect(self, t: float, room: int) -> np.ndarray:
        return _EMPTY
