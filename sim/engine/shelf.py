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

_MIN_RECORDS = 256


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
    """

    def __init__(self, ledger: Ledger, slots: Sequence[float], clocks: Sequence[DailyClock],
                 delay: PickupDelay, door_share: float, door_h: float,
                 arrival_stage: str | None = None, hand_overs: HandOvers | None = None) -> None:
        self.ledger = ledger
        self.arrival_stage = arrival_stage  # ledger stage stamped when a drop arrives
        self.slots = np.asarray(slots, dtype=np.float64)
        # members' opening hours: distinct clocks, and which one each member keeps
        distinct: dict[tuple, int] = {}
        self.clocks: list[DailyClock] = []
        member_clock = []
        for clock in clocks:
            key = tuple(clock.starts) + tuple(clock.ends)
            if key not in distinct:
                distinct[key] = len(self.clocks)
                self.clocks.append(clock)
            member_clock.append(distinct[key])
        self.member_clock = np.array(member_clock, dtype=np.int64)
        self.delay = delay
        self.door_share = door_share
        self.door_h = door_h
        self._peak = np.zeros(len(self.slots), dtype=np.int64)
        self._member = np.empty(0, dtype=np.int64)  # shelf parcels: which member
        self._drop = np.empty(0)  # when they reach the shelf
        self._pickup = np.empty(0)  # when their resident takes them
        self._door_done = np.empty(0)  # door deliveries still on their way
        self._pending: list[tuple[np.ndarray, int, float]] = []
        self._loaded = np.zeros(len(self.slots), dtype=np.int64)  # loaded, not handed over
        self._forgotten_at = -np.inf  # records are pruned to this time, none added since
        self._prune_above = _MIN_RECORDS  # hand-overs prune the records once they outgrow this
        # where loops' drops wait to be handed over, with other routes' loops if shared
        self.hand_overs = hand_overs or HandOvers(ledger, delay)
        self.first_member = self.hand_overs.register(self)
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
        return self._peak

    def free(self, t: float) -> np.ndarray:
        """Free slots per member at time t, counting parcels already promised to a shelf."""
        self._settle()
        self._forget(t)
        held = np.bincount(self._member, minlength=len(self.slots))
        return self.slots - held - self._loaded

    def reserve(self, per_member: np.ndarray) -> None:
        """Shelf parcels just loaded for each member: they hold their slots from now on."""
        self._loaded += per_member

    def _forget(self, t: float) -> None:
        """Drop the records of parcels picked up by t: they have left the network."""
        if t == self._forgotten_at:  # a departure's free() then its flush: nothing new
            return
        self._forgotten_at = t
        keep = self._pickup > t
        if not keep.all():
            self._member, self._drop, self._pickup = (
                self._member[keep], self._drop[keep], self._pickup[keep])
        self._door_done = self._door_done[self._door_done > t]

    def drop_later(self, ids: np.ndarray, member: int, t: float) -> None:
        """Queue a drop at a stop of a loop; `flush` hands the whole loop over at once."""
        if len(ids):
            self._pending.append((ids, member, t))

    def flush(self, now: float) -> None:
        """The queued drops of a vehicle that left at `now` go to be handed over."""
        if self._pending:
            self.hand_overs.add(self, self._pending, now)
            self._pending = []

    def handed_over(self, member: np.ndarray, arrival: np.ndarray, done: np.ndarray,
                    door: np.ndarray, now: float, loaded: bool) -> None:
        """Record drops as handed over (see `HandOvers`): shelf parcels hold their slots
        until picked up (a vehicle's, `loaded`, held them from loading on); the peak counts
        the shelves just after the drops."""
        self.unsettled -= 1
        if loaded:
            self._loaded -= np.bincount(member[~door], minlength=len(self.slots))
        if len(self._pickup) + len(self._door_done) > self._prune_above:
            self._forget(now)  # records picked up by `now` are not present at any later arrival
            self._prune_above = 2 * (len(self._pickup) + len(self._door_done)) + _MIN_RECORDS
        shelf = ~door
        if shelf.any():
            self._member = np.concatenate((self._member, member[shelf]))
            self._drop = np.concatenate((self._drop, arrival[shelf]))
            self._pickup = np.concatenate((self._pickup, done[shelf]))
            self._forgotten_at = -np.inf
        if door.any():
            self._door_done = np.concatenate((self._door_done, done[door]))
            self._forgotten_at = -np.inf
        self._update_peak(member, arrival)

    def hand_over(self, ids: np.ndarray, arrival: np.ndarray, now: float,
                  extra_h: np.ndarray) -> None:
        """Parcels reaching member 0 each at its own time (`arrival` may lie after `now`, a
        parcel still being sorted); `extra_h` is added to shelf parcels' times: the
        resident's trip home with it. Decided with the other hand-overs (`HandOvers`)."""
        if len(ids):
            self.hand_overs.add_arrivals(self, ids, arrival, extra_h, now)

    def _update_peak(self, member: np.ndarray, arrival: np.ndarray) -> None:
        """Occupancy of each member just after this drop, kept if it is a new peak."""
        when = np.full(len(self.slots), np.nan)
        when[member] = arrival
        at = when[self._member]
        present = (self._drop <= at) & (self._pickup > at)
        occupancy = np.bincount(self._member[present], minlength=len(self.slots))
        np.maximum(self._peak, occupancy, out=self._peak)

    def waiting_after(self, t: float) -> int:
        """Parcels not yet with their residents at time t."""
        self._settle()
        return int(np.count_nonzero(self._pickup > t) + np.count_nonzero(self._door_done > t))
