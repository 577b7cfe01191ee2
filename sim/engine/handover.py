"""Handing over the drops of vehicle loops: to the door or onto the shelf, and when.

A loop through village points (or the county seat's door round) is settled when its vehicle
leaves, but what its drops decide (pickup times, shelf records, stamps) is read only when its
shelves are read again: free slots at the route's next departure, peaks and residents at the
end of the run. So the drops wait here, and every loop that left in the meantime is handed
over in one vectorised step: the village vans of a cut-off together rather than van by van.
The parcels a station counter receives one by one, as their sorting ends, wait here too.
Every number is the one a parcel would get alone (each step is elementwise).

The records of every registered shelves live here, numbered by member across all of them:
parcels on a shelf or on their way to the door, until their resident has them, and each
member's loaded parcels and peak. A loop's peak counts the shelf just after each of its
drops, with the records of the loops handed over before it and its own, not of later ones.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, NamedTuple

import numpy as np

from sim.engine.ledger import Ledger

if TYPE_CHECKING:
    from sim.clock import DailyClock
    from sim.engine.shelf import PickupDelay, Shelves

Drop = tuple[np.ndarray, int, float]  # parcel ids, member of the shelves, arrival time
_CHUNK = 4096  # about how many parcels added one by one are handed over together


class Records:
    """Handed-over parcels not yet gone, sorted by member: a member's, and a shelves',
    records are one block."""

    def __init__(self) -> None:
        self.member = np.empty(0, dtype=np.int64)
        self.arrival = np.empty(0)
        self.done = np.empty(0)
        self._starts = [0]  # where each member's block starts, then where the last ends

    def add_members(self, count: int) -> None:
        """Members numbered after all others: their blocks are empty, at the end."""
        self._starts += [len(self.member)] * count

    def replace(self, gone_by: float, member: np.ndarray, arrival: np.ndarray,
                done: np.ndarray) -> np.ndarray:
        """Forget the records done by `gone_by` and add new ones; for each record now held,
        which of the new ones it is, -1 for one held before."""
        held = len(self.member)
        keep = np.flatnonzero(self.done > gone_by)
        order = np.argsort(np.concatenate((self.member[keep], member)), kind="stable")
        source = np.concatenate((keep, held + np.arange(len(member))))[order]
        self.member = np.concatenate((self.member, member))[source]
        self.arrival = np.concatenate((self.arrival, arrival))[source]
        self.done = np.concatenate((self.done, done))[source]
        self._starts = np.searchsorted(self.member, np.arange(len(self._starts))).tolist()
        return np.maximum(source - held, -1)

    def block(self, members: slice) -> slice:
        """Where the records of `members` are."""
        return slice(self._starts[members.start], self._starts[members.stop])

    def count_after(self, members: slice, t: float) -> np.ndarray:
        """Records of each of `members` not done by t."""
        block = self.block(members)
        after = self.member[block][self.done[block] > t] - members.start
        return np.bincount(after, minlength=members.stop - members.start)

    def total_after(self, members: slice, t: float) -> int:
        """Records of `members` not done by t, all together."""
        return int(np.count_nonzero(self.done[self.block(members)] > t))


class Batch(NamedTuple):
    """Parcels handed over together, in the order their loops (entries) came."""

    ids: np.ndarray
    member: np.ndarray  # numbered across every registered shelves
    arrival: np.ndarray
    extra_h: np.ndarray
    entry: np.ndarray  # each parcel's loop, numbered in the batch
    loaded: bool  # on a vehicle: their slots were reserved at loading
    earliest: float  # when the first loop was added: no arrival comes before it
    # the peaks to read: each loop's members, at the time the loop reached them
    peak_entry: np.ndarray
    peak_member: np.ndarray
    peak_at: np.ndarray


class HandOvers:
    """Drops not yet handed over, and the records of what was, for every `Shelves`
    registered here."""

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
        self._door_shares: list[float] = []  # distinct door shares, with `_arrays`
        self.loaded = np.zeros(0, dtype=np.int64)  # shelf parcels loaded, not handed over
        self.peak = np.zeros(0, dtype=np.int64)  # most parcels on each shelf at once
        self.on_shelf = Records()  # they hold their slots until picked up
        self.to_door = Records()

    def register(self, shelves: Shelves) -> int:
        """Number the members of `shelves` after those registered before; the first one."""
        first = len(self._door_share)
        for clock in shelves.clocks:  # each member's; `_clocks` keeps each distinct one once
            key = clock.key
            if key not in self._clock_index:
                self._clock_index[key] = len(self._clocks)
                self._clocks.append(clock)
            self._clock.append(self._clock_index[key])
        members = len(shelves.clocks)
        self._door_share += [shelves.door_share] * members
        self._door_h += [shelves.door_h] * members
        self._arrival_stage += [shelves.arrival_stage] * members
        self._arrays = None
        self.loaded = np.concatenate((self.loaded, np.zeros(members, dtype=np.int64)))
        self.peak = np.concatenate((self.peak, np.zeros(members, dtype=np.int64)))
        self.on_shelf.add_members(members)
        self.to_door.add_members(members)
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
        """Hand over everything added so far: the loops, then the parcels added one by one."""
        if self._loops:
            self._hand_over(self._loop_batch())
        for batch in self._arrival_batches():
            self._hand_over(batch)

    def _hand_over(self, batch: Batch) -> None:
        """Decide the batch's parcels and record them: shelf parcels hold their slots until
        picked up (a vehicle's held them from loading on)."""
        done, door = self._decide(batch.ids, batch.member, batch.arrival, batch.extra_h)
        shelf = ~door
        if batch.loaded:
            self.loaded -= np.bincount(batch.member[shelf], minlength=len(self.loaded))
        # a drop comes after its loop left, and loops come in the order they leave: records
        # done by the batch's first departure are present at no drop to come
        self.to_door.replace(batch.earliest, batch.member[door], batch.arrival[door],
                             done[door])
        fresh = self.on_shelf.replace(batch.earliest, batch.member[shelf],
                                      batch.arrival[shelf], done[shelf])
        # the loop each record came with, -1 (the appended value) for those from before
        entry = np.append(batch.entry[shelf], -1)[fresh]
        self._update_peaks(batch, entry)

    def _update_peaks(self, batch: Batch, entry: np.ndarray) -> None:
        """Occupancy of each member just after each loop's drop there, kept if a new peak."""
        records = self.on_shelf
        start = np.searchsorted(records.member, batch.peak_member, "left")
        # a member's records are in the order they came, so those of the loops up to a
        # peak's own (and from before the batch, -1) lead its block: sort keys (member, loop)
        span = int(batch.peak_entry[-1]) + 2  # loop numbers -1 to the last, shifted by 1
        key = records.member * span + entry + 1
        stop = np.searchsorted(key, batch.peak_member * span + batch.peak_entry + 1, "right")
        sizes = stop - start
        # each peak read against each of those records: (read, record) pairs
        read = np.repeat(np.arange(len(sizes)), sizes)
        first_pair = np.cumsum(sizes) - sizes
        record = np.arange(len(read)) + np.repeat(start - first_pair, sizes)
        at = batch.peak_at[read]
        present = (records.arrival[record] <= at) & (records.done[record] > at)
        occupancy = np.bincount(read[present], minlength=len(sizes))
        np.maximum.at(self.peak, batch.peak_member, occupancy)

    def _loop_batch(self) -> Batch:
        """The loops added so far, in the order they left."""
        loops, self._loops = self._loops, []
        for shelves, _, _ in loops:
            shelves.unsettled -= 1
        drops = [drop for _, loop_drops, _ in loops for drop in loop_drops]
        ids, members, times = zip(*drops, strict=True)
        counts = list(map(len, ids))
        per_loop = [len(loop_drops) for _, loop_drops, _ in loops]
        first = np.repeat([shelves.first_member for shelves, _, _ in loops], per_loop)
        # a loop drops once at each of its stops: one peak to read per drop
        drop_member = np.array(members, dtype=np.int64) + first
        drop_entry = np.repeat(np.arange(len(loops)), per_loop)
        drop_time = np.array(times, dtype=np.float64)
        return Batch(np.concatenate(ids), np.repeat(drop_member, counts),
                     np.repeat(drop_time, counts), np.zeros(sum(counts)),
                     np.repeat(drop_entry, counts), True, min(now for _, _, now in loops),
                     drop_entry, drop_member, drop_time)

    def _arrival_batches(self) -> list[Batch]:
        """The same for the parcels added one by one, in chunks of about `_CHUNK` parcels:
        each peak reads every record of its member, and these all reach member 0, so the
        records done before a chunk are forgotten before it reads them."""
        arrivals, self._arrivals = self._arrivals, []
        batches, start, parcels = [], 0, 0
        for end, entry in enumerate(arrivals, start=1):
            parcels += len(entry[1])
            if parcels >= _CHUNK or end == len(arrivals):
                batches.append(self._arrival_batch(arrivals[start:end]))
                start, parcels = end, 0
        return batches

    @staticmethod
    def _arrival_batch(arrivals: list[tuple]) -> Batch:
        """Parcels added one by one, each entry's reaching member 0 of its shelves."""
        for shelves, *_ in arrivals:
            shelves.unsettled -= 1
        ids = np.concatenate([entry[1] for entry in arrivals])
        arrival = np.concatenate([entry[2] for entry in arrivals]).astype(np.float64)
        extra = np.concatenate([entry[3] for entry in arrivals]).astype(np.float64)
        sizes = [len(entry[1]) for entry in arrivals]
        first = np.array([entry[0].first_member for entry in arrivals], dtype=np.int64)
        entries = np.arange(len(arrivals))
        last = np.cumsum(sizes) - 1  # an entry's peak is read at its last parcel's arrival
        return Batch(ids, np.repeat(first, sizes), arrival, extra, np.repeat(entries, sizes),
                     False, min(entry[4] for entry in arrivals), entries, first, arrival[last])

    def _decide(self, ids: np.ndarray, members: np.ndarray, arrival: np.ndarray,
                extra_h: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Each parcel's done time and whether it went to the door; stamps both stages."""
        arrays = self._member_arrays()
        parcels = self.ledger.parcels
        share = arrays["door_share"][members]
        door = np.empty(len(ids), dtype=bool)
        u_door = parcels.u_door[ids]
        for value in self._door_shares:  # compared as `u_door < door_share` is
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
            for index, opening in enumerate(self._clocks):
                rows = clock == index
                if rows.any():
                    picked[rows] = opening.to_real(opening.to_open(on_shelf[rows])
                                                   + delay[rows])
            # a delay of 0 (a uniform of 0) at a closed shelf reads the clock's earliest
            # time, the last closing: a pickup is never before the parcel came
            np.maximum(picked, on_shelf, out=picked)
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
            self._door_shares = sorted(set(self._door_share))
            self._arrays = {
                "door_share": np.array(self._door_share),
                "door_h": np.array(self._door_h),
                "clock": np.array(self._clock, dtype=np.int64),
                # index into the distinct stage names; -1 where none is stamped
                "arrival_stage": np.array([self._stage_names.index(name) if name else -1
                                           for name in self._arrival_stage], dtype=np.int64),
            }
        return self._arrays
