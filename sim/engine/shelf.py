"""Where parcels wait for their residents: village point shelves, station counters, the
county seat's door rounds.

Handing over is decided for the time a parcel arrives: it goes to the door (share
`door_share`, within `door_h`), or it waits on the shelf for a pickup delay counted in
opening hours. The parcel's own uniforms decide, so the same resident behaves the same in
every scenario. `HandOvers` (sim/engine/handover.py) decides for many parcels at once.

One `Shelves` object holds the shelves of several members (the villages of one route), so a
vehicle's whole loop is handed over, and its free slots read, in one vectorised step.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from scipy.special import ndtri

from sim.clock import DailyClock
from sim.engine.handover import HandOvers
from sim.engine.ledger import Ledger
from sim.scenario.models import Pickup


class PickupDelay:
    """Open hours from arrival to pickup, as a quantile function of the parcel's uniform."""

    def __init__(self, pickup: Pickup) -> None:
        self.mean = pickup.mean_delay_h
        self.distribution = pickup.distribution
        self.sigma = float(np.sqrt(np.log1p(pickup.cv**2)))

    def __call__(self, u: np.ndarray) -> np.ndarray:
        u = np.asarray(u, dtype=np.float64)
        if self.distribution == "exponential":
            return -self.mean * np.log1p(-u)
        if self.distribution == "lognormal":
            return self.mean * np.exp(self.sigma * ndtri(u) - self.sigma**2 / 2)
        return np.full(len(u), self.mean)


class Shelves:
    """Shelves of `len(slots)` members; parcels on a shelf hold a slot until picked up.

    A parcel registered for a future drop already counts against its shelf, so free slots
    read at a vehicle's departure can only grow by the time it arrives: no shelf overfills.
    The records live in `hand_overs`, under the members `first_member` on.
    """

    def __init__(self, ledger: Ledger, slots: Sequence[float], clocks: Sequence[DailyClock],
                 delay: PickupDelay, door_share: float, door_h: float,
                 arrival_stage: str | None = None, hand_overs: HandOvers | None = None) -> None:
        self.arrival_stage = arrival_stage  # ledger stage stamped when a drop arrives
        self.slots = np.asarray(slots, dtype=np.float64)
        self.clocks = list(clocks)  # each member's opening hours
        self.door_share = door_share
        self.door_h = door_h
        self._pending: list[tuple[np.ndarray, int, float]] = []
        # where loops' drops wait to be handed over, with other routes' loops if shared
        self.hand_overs = hand_overs or HandOvers(ledger, delay)
        self.first_member = self.hand_overs.register(self)
        self._members = slice(self.first_member, self.first_member + len(self.slots))
        self.unsettled = 0  # this shelves' loops still waiting in `hand_overs`

    def _settle(self) -> None:
        """Before reading these shelves: hand over their loops, and every other loop waiting
        with them (the other vans of their cut-off), in one step."""
        if self.unsettled:
            self.hand_overs.settle()

    @property
    def peak(self) -> np.ndarray:
        """Most parcels on each member's shelf at once, so far."""
        self._settle()
        return self.hand_overs.peak[self._members]

    def free(self, t: float) -> np.ndarray:
        """Free slots per member at time t, counting parcels already promised to a shelf."""
        self._settle()
        held = self.hand_overs.on_shelf.count_after(self._members, t)
        return self.slots - held - self.hand_overs.loaded[self._members]

    def reserve(self, per_member: np.ndarray) -> None:
        """Shelf parcels just loaded for each member: they hold their slots from now on."""
        self.hand_overs.loaded[self._members] += per_member

    def drop_later(self, ids: np.ndarray, member: int, t: float) -> None:
        """Queue a drop at a stop of a loop; `flush` hands the whole loop over at once."""
        if len(ids):
            self._pending.append((ids, member, t))

    def flush(self, now: float) -> None:
        """The queued drops of a vehicle that left at `now` go to be handed over."""
        if self._pending:
            self.hand_overs.add(self, self._pending, now)
            self._pending = []

    def hand_over(self, ids: np.ndarray, arrival: np.ndarray, now: float,
                  extra_h: np.ndarray) -> None:
        """Parcels reaching member 0 each at its own time (`arrival` may lie after `now`, a
        parcel still being sorted); `extra_h` is added to shelf parcels' times: the
        resident's trip home with it. Decided with the other hand-overs (`HandOvers`)."""
        if len(ids):
            self.hand_overs.add_arrivals(self, ids, arrival, extra_h, now)

    def waiting_after(self, t: float) -> int:
        """Parcels not yet with their residents at time t."""
        self._settle()
        hand_overs = self.hand_overs
        return (hand_overs.on_shelf.total_after(self._members, t)
                + hand_overs.to_door.total_after(self._members, t))
