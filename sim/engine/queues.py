"""FIFO queues of parcel batches, the only place parcels wait for a vehicle.

A queue holds parcel ids with the time each becomes ready to load (the end of its sorting).
Ready times only ever grow from head to tail, so "what is ready now" is a binary search and a
departure takes its load in one slice.

What `take` returns is a view of the queue's buffer, not a copy: the buffer is only ever
written at or after the head, and what was taken lies before it.
"""

from __future__ import annotations

import bisect

import numpy as np
import simpy

from sim.demand import PARCEL_ID

_MIN_CAPACITY = 64
_RELEASE_CAPACITY = 1 << 20  # parcels: an empty queue keeps a buffer up to this size


def _check_in_time_order(ready: np.ndarray) -> None:
    """Parcels handed over already queued must come with non-decreasing ready times
    (compared pairwise: no full-size float temporary)."""
    if len(ready) > 1 and (ready[1:] < ready[:-1]).any():
        raise AssertionError("parcel queue ready times must not decrease")


class ParcelQueue:
    """Parcel ids in FIFO order with non-decreasing ready times."""

    def __init__(self, env: simpy.Environment, ids: np.ndarray | None = None,
                 ready: np.ndarray | None = None) -> None:
        """An empty queue, or one holding `ids` ready at `ready` (adopted, not copied)."""
        self.env = env
        if ids is None:
            self._ids = np.empty(_MIN_CAPACITY, dtype=PARCEL_ID)
            self._ready = np.empty(_MIN_CAPACITY, dtype=np.float64)
            self._tail = 0
        else:
            _check_in_time_order(ready)
            self._ids = np.asarray(ids, dtype=PARCEL_ID)
            self._ready = np.asarray(ready, dtype=np.float64)
            self._tail = len(ids)
        self._head = 0
        self._changed: simpy.Event | None = None

    def __len__(self) -> int:
        return self._tail - self._head

    @property
    def ids(self) -> np.ndarray:
        return self._ids[self._head : self._tail]

    @property
    def ready(self) -> np.ndarray:
        return self._ready[self._head : self._tail]

    def push(self, ids: np.ndarray, ready: np.ndarray) -> None:
        """Append a batch; its ready times must not precede the queue's last one."""
        n = len(ids)
        if n == 0:
            return
        if self._tail > self._head and ready[0] < self._ready[self._tail - 1]:
            raise AssertionError("parcel queue ready times must not decrease")
        self._reserve(n)
        self._ids[self._tail : self._tail + n] = ids
        self._ready[self._tail : self._tail + n] = ready
        self._tail += n
        if self._changed is not None:
            self._changed.succeed()
            self._changed = None

    def changed(self) -> simpy.Event:
        """An event that fires at the next push."""
        if self._changed is None:
            self._changed = self.env.event()
        return self._changed

    def ready_count(self, t: float) -> int:
        if self._head == self._tail:
            return 0
        return int(self._ready[self._head : self._tail].searchsorted(t, side="right"))

    def time_ready(self, n: int) -> float:
        """When at least n parcels are ready (inf if the queue holds fewer)."""
        if n <= 0:
            return -np.inf
        return float(self._ready[self._head + n - 1]) if len(self) >= n else np.inf

    def take(self, t: float, limit: int) -> np.ndarray:
        """Up to `limit` ready parcels from the head."""
        return self._take_first(min(self.ready_count(t), limit))

    def _take_first(self, n: int) -> np.ndarray:
        taken = self._ids[self._head : self._head + n]
        self._head += n
        if self._head == self._tail and len(self._ids) > _RELEASE_CAPACITY:
            self._release()
        return taken

    def _release(self) -> None:
        """Give back a large buffer once it is empty (a gateway's month of parcels moves
        out at once)."""
        self._ids = np.empty(_MIN_CAPACITY, dtype=PARCEL_ID)
        self._ready = np.empty(_MIN_CAPACITY, dtype=np.float64)
        self._head = self._tail = 0

    def take_with_ready(self, t: float, limit: int) -> tuple[np.ndarray, np.ndarray]:
        """Like `take`, with the parcels' ready times."""
        n = min(self.ready_count(t), limit)
        ready = self._ready[self._head : self._head + n]
        return self._take_first(n), ready

    def take_limited(self, t: float, limit: int, slot: np.ndarray,
                     allowance: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Ready parcels in FIFO order, at most allowance[slot] per slot and `limit` in all;
        and how many were taken per slot.

        `slot` maps a parcel id to its slot (its stop on the route). Parcels passed over stay
        at the head in their order, so a full village shelf holds back only its own parcels.
        """
        ready = self.ready_count(t)
        if ready <= limit:  # usually every ready parcel fits: one count, no ranking
            window = self._ids[self._head : self._head + ready]
            per_slot = np.bincount(slot[window], minlength=len(allowance))
            if (per_slot <= allowance).all():
                self._head += ready
                return window, per_slot
        taken_parts: list[np.ndarray] = []
        left = np.array(allowance, dtype=np.int64)
        scanned = 0
        while scanned < ready and limit > 0 and left.max(initial=0) > 0:
            chunk = min(ready - scanned, max(4 * limit, 1024))
            start = self._head + scanned
            window = self._ids[start : start + chunk]
            slots = slot[window]
            order = np.argsort(slots, kind="stable")
            sorted_slots = slots[order]
            first = np.searchsorted(sorted_slots, sorted_slots, side="left")
            rank = np.empty(chunk, dtype=np.int64)
            rank[order] = np.arange(chunk) - first
            ok = rank < left[slots]
            ok &= np.cumsum(ok) <= limit
            picked = window[ok]
            if len(picked):
                taken_parts.append(picked)
                np.subtract.at(left, slots[ok], 1)
                limit -= len(picked)
                kept_ids = window[~ok].copy()
                kept_ready = self._ready[start : start + chunk][~ok].copy()
                end = start + chunk
                # close the gap: passed-over parcels move right, keeping their order
                self._ids[self._head + len(picked) : end] = np.concatenate(
                    (self._ids[self._head : start], kept_ids))
                self._ready[self._head + len(picked) : end] = np.concatenate(
                    (self._ready[self._head : start], kept_ready))
                self._head += len(picked)
                scanned += chunk - len(picked)
                ready -= len(picked)
            else:
                scanned += chunk
        taken = np.concatenate(taken_parts) if taken_parts else np.empty(0, dtype=PARCEL_ID)
        return taken, allowance - left

    def _reserve(self, n: int) -> None:
        if self._tail + n <= len(self._ids):
            return
        size = len(self)
        needed = size + n
        # compact in place while at most half full, else double: amortised O(1) per parcel
        capacity = len(self._ids) if needed <= len(self._ids) // 2 else 2 * needed
        ids = np.empty(capacity, dtype=PARCEL_ID)
        ready = np.empty(capacity, dtype=np.float64)
        ids[:size] = self._ids[self._head : self._tail]
        ready[:size] = self._ready[self._head : self._tail]
        self._ids, self._ready = ids, ready
        self._head, self._tail = 0, size


class DrawnArrivals:
    """Parcels drawn in advance (residents' drop-offs at a village point), each ready at its
    own time, taken from the head.

    A van takes a few at each stop, some 150,000 times a month, so the ready times are kept
    as a Python list and searched by `bisect`, cheaper per call than numpy's search. The
    list holds the same float64 values, so the search finds the same place.
    """

    def __init__(self, ids: np.ndarray, ready: np.ndarray) -> None:
        _check_in_time_order(ready)
        self.ids = np.asarray(ids, dtype=PARCEL_ID)
        self._ready = np.asarray(ready, dtype=np.float64).tolist()
        self._head = 0

    def __len__(self) -> int:
        return len(self._ready) - self._head

    def take(self, t: float, limit: int) -> np.ndarray:
        """Up to `limit` parcels ready by t, from the head."""
        head = self._head
        end = min(bisect.bisect_right(self._ready, t, head), head + limit)
        self._head = end
        return self.ids[head:end]
