"""A hub's dock and store: lots handled in at a fixed rate, then held until a vehicle leaves.

A cold-chain base's store is its cold storage: a vehicle bringing lots in must first book
room for them, so a full store holds goods back where they are, still ageing. Other hubs keep
goods at ambient temperature and have room for all.
"""

from __future__ import annotations

import numpy as np

from sim.freight.life import ShelfLife
from sim.freight.occupancy import Occupancy
from sim.freight.picking import EPS, take_ready

HERE = -2  # the key of lots handed over at the hub itself (keys are ints: fast to compare)
_NOTHING = (np.empty(0, dtype=np.int64), np.empty(0))  # held for a key never used; read only


class HubStore:
    """Lots in store by the trip that will take them on (a zone key), FIFO per key."""

    def __init__(self, life: ShelfLife, pallets: np.ndarray, handling_per_h: float,
                 capacity: float, cold: bool) -> None:
        self.life, self.pallets = life, pallets
        self.rate, self.capacity, self.cold = handling_per_h, capacity, cold
        self._dock_free = 0.0
        self._booked = 0.0
        self._held: dict[object, tuple[np.ndarray, np.ndarray]] = {}
        self.occupancy = Occupancy()
        self._handled: list[tuple[float, float]] = []  # (time, pallets) through the dock

    def room(self) -> float:
        """Pallets a vehicle may still book."""
        return max(self.capacity - self.occupancy.level - self._booked, 0.0)

    def book(self, pallets: float) -> None:
        self._booked += pallets

    def handle_in(self, ids: np.ndarray, t: float, keys: np.ndarray, booked: float = 0.0
                  ) -> None:
        """Unload lots at t: through the dock in order, then held under their keys, or
        handed over here when their key is HERE."""
        self._booked -= booked
        if not len(ids):
            return
        sound = self.life.keep_sound(ids, t)  # what spoiled on the way is thrown out
        ids, keys = ids[sound], keys[sound]
        if not len(ids):
            return
        start = max(t, self._dock_free)
        done = start + self.pallets[ids].cumsum() / self.rate
        self._dock_free = float(done[-1])
        self._handled.append((t, float(self.pallets[ids].sum())))
        self.life.move(ids, t, cold=self.cold)
        here = keys == HERE
        if np.count_nonzero(here):
            self.life.deliver(ids[here], done[here])
        for key in dict.fromkeys(keys[~here].tolist()):
            mine = keys == key
            self.put(key, ids[mine], done[mine], t)

    def put(self, key: object, ids: np.ndarray, ready: np.ndarray,
            since: float | np.ndarray) -> None:
        """Hold lots for `key` from time(s) `since`, ready to leave at the given times."""
        held_ids, held_ready = self._held_for(key)
        self._held[key] = (np.concatenate((held_ids, ids)), np.concatenate((held_ready, ready)))
        if isinstance(since, np.ndarray):
            self.occupancy.add_many(since, self.pallets[ids])
        else:
            self.occupancy.add(float(since), float(self.pallets[ids].sum()))

    def _held_for(self, key: object) -> tuple[np.ndarray, np.ndarray]:
        """(lots, ready times) held for `key`, oldest first."""
        return self._held.get(key, _NOTHING)

    def ready_pallets(self, key: object, t: float) -> float:
        ids, ready = self._held_for(key)
        return float(self.pallets[ids[ready <= t + EPS]].sum())

    def keys(self) -> list[object]:
        return list(self._held)

    def take(self, key: object, t: float, most: float) -> np.ndarray:
        """Lots for `key` ready at t, oldest first, up to `most` pallets; spoiled ones are
        thrown out."""
        ids, ready = self._held_for(key)
        taken, leaving = take_ready(self.life, self.pallets, ids, ready, t, most)
        if np.count_nonzero(leaving):
            self._held[key] = (ids[~leaving], ready[~leaving])
            self.occupancy.add(t, -float(self.pallets[ids[leaving]].sum()))
        return taken

    def set_power(self, t: float, on: bool) -> None:
        """A cold store loses its power at t (on=False), or has it back: the lots inside
        age at the ambient rate meanwhile, and so do lots brought in."""
        self.cold = on
        held = [ids for ids, _ready in self._held.values() if len(ids)]
        if held:
            self.life.move(np.concatenate(held), t, cold=on)

    def handled_between(self, start: float, end: float) -> float:
        """Pallets unloaded through the dock in [start, end)."""
        return float(sum(p for t, p in self._handled if start <= t < end))

    def finish(self, t: float) -> int:
        """At the end: throw out what spoiled; return the lots still held."""
        return sum(len(self.life.cull(ids, t)) for ids, _ in self._held.values())
