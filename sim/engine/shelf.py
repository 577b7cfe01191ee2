"""Where parcels wait for their residents: a village point's shelf, a station's counter, the
county seat's door rounds.

Handing over is decided when a parcel arrives: it goes to the door (share `door_share`) and
arrives within `door_h`, or it waits on the shelf for a pickup delay counted in opening hours.
The parcel's own uniforms decide, so the same resident behaves the same in every scenario.
"""

from __future__ import annotations

import numpy as np
from scipy.special import ndtri

from sim.clock import DailyClock
from sim.engine.ledger import Ledger
from sim.scenario.models import Pickup


class PickupDelay:
    """Open hours from arrival to pickup, as a quantile function of the parcel's uniform."""

    def __init__(self, pickup: Pickup) -> None:
        self.mean = pickup.mean_delay_h
        self.distribution = pickup.distribution
        self.sigma = float(np.sqrt(np.log1p(pickup.cv**2)))

    def __call__(self, u: np.ndarray) -> np.ndarray:
        if self.distribution == "exponential":
            return -self.mean * np.log1p(-u)
        if self.distribution == "lognormal":
            return self.mean * np.exp(self.sigma * ndtri(u) - self.sigma**2 / 2)
        return np.full(len(u), self.mean)


class Shelf:
    """Parcels handed over at a node; `slots` bounds those waiting on the shelf at once."""

    def __init__(self, ledger: Ledger, slots: float, clock: DailyClock, delay: PickupDelay,
                 door_share: float, door_h: float) -> None:
        self.ledger = ledger
        self.slots = slots
        self.clock = clock
        self.delay = delay
        self.door_share = door_share
        self.door_h = door_h
        self._on_shelf = np.empty(0)  # pickup times of parcels on the shelf
        self._at_door = np.empty(0)  # delivery times of parcels on their way to the door
        self.peak = 0

    def occupancy(self, t: float) -> int:
        """Parcels on the shelf at time t (those picked up by t have left)."""
        self._on_shelf = self._on_shelf[self._on_shelf > t]
        return len(self._on_shelf)

    def free_slots(self, t: float) -> float:
        return self.slots - self.occupancy(t)

    def door_mask(self, ids: np.ndarray) -> np.ndarray:
        """Which parcels go to the door (they take no shelf slot)."""
        return self.ledger.parcels.u_door[ids] < self.door_share

    def hand_over(self, ids: np.ndarray, arrival: np.ndarray | float) -> None:
        """Decide and stamp each parcel's delivery: at the door or picked up from the shelf."""
        arrival = np.broadcast_to(np.asarray(arrival, dtype=np.float64), ids.shape)
        u = self.ledger.parcels.u_pickup[ids]
        door = self.door_mask(ids)
        done = np.empty(len(ids))
        done[door] = arrival[door] + self.door_h * u[door]
        shelf = ~door
        if shelf.any():
            opened = self.clock.to_open(arrival[shelf])
            done[shelf] = self.clock.to_real(opened + self.delay(u[shelf]))
            self._on_shelf = np.concatenate((self._on_shelf, done[shelf]))
            now = float(arrival[shelf].min())
            self.peak = max(self.peak, self.occupancy(now))
        if door.any():
            self._at_door = np.concatenate((self._at_door[self._at_door > arrival.min()],
                                            done[door]))
        self.ledger.stamp("done", ids, done)

    def waiting_after(self, t: float) -> int:
        """Parcels not yet with their residents at time t."""
        return int(np.count_nonzero(self._on_shelf > t) + np.count_nonzero(self._at_door > t))
