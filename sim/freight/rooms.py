"""Pre-cooling rooms at stations or parks, settled lazily.

Farmers bring lots at known times. A lot enters the room in arrival order as soon as there is
room for it, is cold from then on and may leave after the pre-cooling time. Room is freed
only when a vehicle takes lots away, so between two pick-ups the lots let in are simply the
first ones that fit, each entering at the later of its arrival and the last pick-up: a room
can be brought up to any moment in one vectorised step, when a vehicle comes.
"""

from __future__ import annotations

import numpy as np

from sim.freight.life import ShelfLife
from sim.freight.occupancy import Occupancy
from sim.freight.picking import fitting, take_ready


class ColdRoom:
    """Lots outside waiting (ambient) and inside cooling or ready (cold), FIFO."""

    def __init__(self, life: ShelfLife, pallets: np.ndarray, ids: np.ndarray,
                 arrival: np.ndarray, capacity: float, precool_h: float) -> None:
        order = np.argsort(arrival, kind="stable")
        self.life, self.pallets = life, pallets
        self._ids, self._arrival = ids[order], arrival[order]
        self.capacity, self.precool_h = capacity, precool_h
        self._next = 0  # first lot not yet at the door
        self._door = self._arrival_after(0)  # when it comes
        self._outside = np.empty(0, dtype=np.int64)
        self._outside_arrival = np.empty(0)
        self._inside = np.empty(0, dtype=np.int64)
        self._ready = np.empty(0)
        self._freed_at = -np.inf
        self._entered: list[tuple[np.ndarray, np.ndarray]] = []  # let in, not yet cooled
        self.occupancy = Occupancy()

    def settle(self, t: float) -> None:
        """Let in, up to time t, the lots that fit, in arrival order (cooled by `_cool`)."""
        if self._door > t and not len(self._outside):
            return  # no one at the door
        arrived = int(np.searchsorted(self._arrival, t, side="right"))
        waiting, came = self._at_door(arrived)
        enter = np.maximum(came, self._freed_at)
        self._next, self._door = arrived, self._arrival_after(arrived)
        if not len(waiting):
            return
        keep = self.life.keep_sound(waiting, enter)
        waiting, enter = waiting[keep], enter[keep]
        count = fitting(self.pallets[waiting], self.capacity - self.occupancy.level)
        admitted = waiting[:count]
        self._outside, self._outside_arrival = waiting[count:], enter[count:]
        if count:
            self._entered.append((admitted, enter[:count]))
            self.occupancy.add_many(enter[:count], self.pallets[admitted])

    def _bring_in(self, t: float) -> None:
        """Settle up to t and put the lots let in inside, cold: as a vehicle finds the room."""
        self.settle(t)
        self._cool()

    def _cool(self) -> None:
        """Put the lots let in since the last call inside, cold from their entry times: one
        step for the settles of many departures, the same as one per settle since each lot's
        ageing depends on its own times only and only vehicles look inside."""
        if not self._entered:
            return
        ids, times = (np.concatenate(parts) for parts in zip(*self._entered, strict=True))
        self._entered = []
        self.life.move(ids, times, cold=True)
        self._inside = np.concatenate((self._inside, ids))
        self._ready = np.concatenate((self._ready, times + self.precool_h))

    def _at_door(self, arrived: int) -> tuple[np.ndarray, np.ndarray]:
        """The lots waiting outside and those arrived since, in order, with their arrivals."""
        new = slice(self._next, arrived)
        if not len(self._outside):
            return self._ids[new], self._arrival[new]
        return (np.concatenate((self._outside, self._ids[new])),
                np.concatenate((self._outside_arrival, self._arrival[new])))

    def _arrival_after(self, count: int) -> float:
        """When the lot after the first `count` arrivals comes (inf: none left)."""
        return float(self._arrival[count]) if count < len(self._arrival) else np.inf

    def inside_pallets(self, t: float) -> float:
        """Pallets in the room at t, cooling or ready: what a vehicle sent now could fetch."""
        self.settle(t)
        return self.occupancy.level

    def take(self, t: float, most: float) -> np.ndarray:
        """Lots ready at t, oldest first, up to `most` pallets; spoiled ones are thrown out."""
        self._bring_in(t)
        taken, leaving = take_ready(self.life, self.pallets, self._inside, self._ready, t, most)
        freed = float(self.pallets[self._inside[leaving]].sum())
        self._inside, self._ready = self._inside[~leaving], self._ready[~leaving]
        if freed:
            self.occupancy.add(t, -freed)
            self._freed_at = t
            self._bring_in(t)
        return taken

    def finish(self, t: float) -> int:
        """At the end: throw out what spoiled; return the lots still here (or on the way)."""
        self._bring_in(t)
        inside = self.life.cull(self._inside, t)
        outside = self.life.cull(self._outside, t)
        coming = self.life.cull(self._ids[self._next:], t)
        return len(inside) + len(outside) + len(coming)
