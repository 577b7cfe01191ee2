"""Handing over the drops of vehicle loops: to the door or onto the shelf, and when.

A loop through village points (or the county seat's door round) is settled when its vehicle
leaves, but what its drops decide (pickup times, shelf records, stamps) is read only when its
shelves are read again: free slots at the route's next departure, peaks and residents at the
end of the run. So the drops wait here, and every loop that left in the meantime is handed
over in one vectorised step: the village vans of a cut-off together rather than van by van.
Every number is the one the loop would get alone (each step is elementwise), and each
shelves' records are updated loop by loop in the order the loops left.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from sim.engine.ledger import Ledger

if TYPE_CHECKING:
    from sim.clock import DailyClock
    from sim.engine.shelf import PickupDelay, Shelves

Drop = tuple[np.ndarray, int, float]  # parcel ids, member of the shelves, arrival time


class HandOvers:
    """Drops of loops not yet handed over, for every `Shelves` registered here."""

    def __init__(self, ledger: Ledger, delay: PickupDelay) -> None:
        self.ledger = ledger
        self.delay = delay
        self._loops: list[tuple[Shelves, list[Drop], float]] = []
        # per member of every registered shelves, numbered in registration order
        self._door_share: list[float] = []
        self._door_h: list[float] = []
        self._clock: list[int] = []
        self._arrival_stage: list[str | None] = []  # stamped when a drop arrives
        self._clocks: list[DailyClock] = []
        self._clock_index: dict[tuple, int] = {}
        self._arrays: dict[str, np.ndarray] | None = None
        self._stage_names: list[str] = []  # distinct arrival stages, with `_arrays`

    def register(self, shelves: Shelves) -> int:
        """Number the members of `shelves` after those registered before; the first one."""
        first = len(self._door_share)
        for index in shelves.member_clock.tolist():
            clock = shelves.clocks[index]
            key = tuple(clock.starts) + tuple(clock.ends)
            if key not in self._clock_index:
                self._clock_index[key] = len(self._clocks)
                self._clocks.append(clock)
            self._clock.append(self._clock_index[key])
        members = len(shelves.member_clock)
        self._door_share += [shelves.door_share] * members
        self._door_h += [shelves.door_h] * members
        self._arrival_stage += [shelves.arrival_stage] * members
        self._arrays = None
        return first

    def add(self, shelves: Shelves, drops: list[Drop], now: float) -> None:
        """A loop's drops, made by a vehicle of `shelves`' route that left at `now`."""
        self._loops.append((shelves, drops, now))
        shelves.unsettled += 1

    def settle(self) -> None:
        """Hand over every loop added so far."""
        if not self._loops:
            return
        loops, self._loops = self._loops, []
        drops = [drop for _, loop_drops, _ in loops for drop in loop_drops]
        counts = [len(ids) for ids, _, _ in drops]
        ids = np.concatenate([ids for ids, _, _ in drops])
        member = np.repeat([m for _, m, _ in drops], counts)
        arrival = np.repeat([t for _, _, t in drops], counts)
        sizes = [sum(len(ids) for ids, _, _ in loop_drops) for _, loop_drops, _ in loops]
        first = np.repeat([shelves.first_member for shelves, _, _ in loops], sizes)
        done, door = self._decide(ids, member + first, arrival)
        start = 0
        for (shelves, _, now), size in zip(loops, sizes, strict=True):
            end = start + size
            shelves.handed_over(member[start:end], arrival[start:end], done[start:end],
                                door[start:end], now)
            start = end

    def _decide(self, ids: np.ndarray, members: np.ndarray,
                arrival: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Each parcel's done time and whether it went to the door; stamps both stages."""
        arrays = self._member_arrays()
        parcels = self.ledger.parcels
        share = arrays["door_share"][members]
        door = np.empty(len(ids), dtype=bool)
        u_door = parcels.u_door[ids]
        for value in np.unique(share).tolist():  # compared as `u_door < door_share` is
            rows = share == value
            door[rows] = u_door[rows] < value
        u = parcels.u_pickup[ids].astype(np.float64)
        done = np.empty(len(ids))
        done[door] = arrival[door] + arrays["door_h"][members[door]] * u[door]
        shelf = ~door
        if shelf.any():
            delay = self.delay(u[shelf])
            on_shelf = arrival[shelf]
            clock = arrays["clock"][members[shelf]]
            picked = np.empty(len(on_shelf))
            for index in np.unique(clock).tolist():
                rows = clock == index
                opening = self._clocks[index]
                picked[rows] = opening.to_real(opening.to_open(on_shelf[rows]) + delay[rows])
            done[shelf] = picked
        stage = arrays["arrival_stage"][members]
        for index, name in enumerate(self._stage_names):
            rows = stage == index
            if rows.any():
                self.ledger.stamp(name, ids[rows], arrival[rows])
        self.ledger.stamp("done", ids, done)
        return done, door

    def _member_arrays(self) -> dict[str, np.ndarray]:
        if self._arrays is None:
            self._stage_names = sorted({name for name in self._arrival_stage if name})
            self._arrays = {
                "door_share": np.array(self._door_share),
                "door_h": np.array(self._door_h),
                "clock": np.array(self._clock, dtype=np.int64),
                # index into the distinct stage names; -1 where none is stamped
                "arrival_stage": np.array([self._stage_names.index(name) if name else -1
                                           for name in self._arrival_stage], dtype=np.int64),
            }
        return self._arrays
