"""Handing over the drops of vehicle loops: to the door or onto the shelf, and when.

A loop through village points (or the county seat's door round) is settled when its vehicle
leaves, but what its drops decide (pickup times, shelf records, stamps) is read only when its
shelves are read again: free slots at the route's next departure, peaks and residents at the
end of the run. So the drops wait here, and every loop that left in the meantime is handed
over in one vectorised step: the village vans of a cut-off together rather than van by van.
The parcels a station counter receives one by one, as their sorting ends, wait here too.
Every number is the one a parcel would get alone (each step is elementwise), and each
shelves' records are updated batch by batch in the order the batches came.
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
    """Drops not yet handed over, for every `Shelves` registered here."""

    def __init__(self, ledger: Ledger, delay: PickupDelay) -> None:
        self.ledger = ledger
        self.delay = delay
        self._loops: list[tuple[Shelves, list[Drop], float]] = []
        # parcels that reach their shelves one by one: ids, arrivals, extra hours, now
        self._arrivals: list[tuple[Shelves, np.ndarray, np.ndarray, np.ndarray, float]] = []
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

    def add_arrivals(self, shelves: Shelves, ids: np.ndarray, arrival: np.ndarray,
                     extra_h: np.ndarray, now: float) -> None:
        """Parcels that reach member 0 of `shelves` each at its own time (a station
        counter, as their sorting ends), filed at `now`; `extra_h` is added to a shelf
        parcel's pickup (the villager's trip home)."""
        self._arrivals.append((shelves, ids, arrival, extra_h, now))
        shelves.unsettled += 1

    def settle(self) -> None:
        """Hand over everything added so far."""
        if not self._loops and not self._arrivals:
            return
        parts = [part for part in (self._loop_parts(), self._arrival_parts()) if part]
        ids, member, arrival, extra = (np.concatenate([part[k] for part in parts])
                                       for k in range(4))
        entries = [entry for part in parts for entry in part[4]]
        first = np.repeat([entry[0].first_member for entry in entries],
                          [entry[1] for entry in entries])
        done, door = self._decide(ids, member + first, arrival, extra)
        start = 0
        for shelves, size, now, loaded in entries:
            end = start + size
            shelves.handed_over(member[start:end], arrival[start:end], done[start:end],
                                door[start:end], now, loaded)
            start = end

    def _loop_parts(self) -> tuple | None:
        """Ids, members, arrivals, extra hours (none) and (shelves, parcels, now, loaded)
        of the loops added so far, in the order they left."""
        if not self._loops:
            return None
        loops, self._loops = self._loops, []
        drops = [drop for _, loop_drops, _ in loops for drop in loop_drops]
        counts = [len(ids) for ids, _, _ in drops]
        ids = np.concatenate([ids for ids, _, _ in drops])
        member = np.repeat(np.array([m for _, m, _ in drops], dtype=np.int64), counts)
        arrival = np.repeat([t for _, _, t in drops], counts)
        sizes = [sum(len(ids) for ids, _, _ in loop_drops) for _, loop_drops, _ in loops]
        entries = [(shelves, size, now, True)  # loaded on a vehicle: slots were reserved
                   for (shelves, _, now), size in zip(loops, sizes, strict=True)]
        return ids, member, arrival, np.zeros(len(ids)), entries

    def _arrival_parts(self) -> tuple | None:
        """The same for the parcels added one by one."""
        if not self._arrivals:
            return None
        arrivals, self._arrivals = self._arrivals, []
        ids = np.concatenate([entry[1] for entry in arrivals])
        arrival = np.concatenate([entry[2] for entry in arrivals]).astype(np.float64)
        extra = np.concatenate([entry[3] for entry in arrivals]).astype(np.float64)
        entries = [(shelves, len(entry_ids), now, False)
                   for shelves, entry_ids, _, _, now in arrivals]
        return ids, np.zeros(len(ids), dtype=np.int64), arrival, extra, entries

    def _decide(self, ids: np.ndarray, members: np.ndarray, arrival: np.ndarray,
                extra_h: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
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
            done[shelf] = picked + extra_h[shelf]  # adding 0 leaves a time as it is
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
