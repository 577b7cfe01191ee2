"""The parcel ledger: one row per parcel, one timestamp column per stage.

Parcels are data, not processes: facilities and vehicles move index arrays of parcels and
stamp whole batches at once. A stage a parcel never visits stays NaN.
"""

from __future__ import annotations

import numpy as np

from sim.demand import DOWN, PARCEL_ID, Parcels

# In path order for a downward parcel; an upward parcel runs point -> gateway through the
# same facility columns (its `created` is the drop-off, its `done` the arrival at the gateway).
STAGES: tuple[str, ...] = (
    "created",
    "gateway_dep",
    "hub_arr", "hub_sorted", "hub_dep",
    "park_arr", "park_sorted", "park_dep",
    "station_arr", "station_sorted", "station_dep",
    "point_arr", "point_dep",
    "done",
)
DOWN_PATH: tuple[str, ...] = tuple(s for s in STAGES if s != "point_dep")
UP_PATH: tuple[str, ...] = (
    "created", "point_dep",
    "station_arr", "station_sorted", "station_dep",
    "park_arr", "park_sorted", "park_dep",
    "hub_arr", "hub_sorted", "hub_dep",
    "done",
)


# Stamps of what happened are stored in single precision: to within 0.1 s over a month and
# 2 s over a year, at half the memory. The engine computes in double precision and only
# stores in single; creation times, which are inputs, stay in double.
STAMP = np.float32
# Stamps wait in a buffer per stage and are written to their column this many at a time.
# A stamp is a write to a scattered row of a column far larger than the cache; a buffer's
# worth written in one go finds the column in cache, where batch by batch the work in
# between has evicted it. Stamping a month of Kaifeng takes 1.2 s rather than 1.7 s.
STAMP_BUFFER = 1 << 18


class Ledger:
    """Columnar parcel state shared by every part of the engine."""

    def __init__(self, parcels: Parcels, stamp_buffer: int = STAMP_BUFFER) -> None:
        self.parcels = parcels
        self.flow = parcels.flow
        self.destination = parcels.destination
        self.origin = parcels.origin
        self._times: dict[str, np.ndarray] = {"created": parcels.created}
        for stage in STAGES[1:]:
            self._times[stage] = np.full(len(parcels), np.nan, dtype=STAMP)
        self._buffers = {stage: _StampBuffer(min(stamp_buffer, len(parcels)))
                         for stage in STAGES[1:]}
        self._cells: dict[tuple[int, int], np.ndarray] = {}

    @classmethod
    def of(cls, parcels: Parcels, times: dict[str, np.ndarray]) -> Ledger:
        """A finished run's ledger rebuilt from its columns (a city's rows of a run)."""
        ledger = cls(parcels, stamp_buffer=1)
        ledger._times = dict(times)
        return ledger

    def down_cell(self, nodes: int, carriers: int) -> np.ndarray:
        """Each parcel's cell in a flattened (destination, carrier) table of nodes x
        carriers, or the cell just after the table for upward parcels: a facility looks up
        the outbound queues of a whole batch in one gather. Computed once per run."""
        if (nodes, carriers) not in self._cells:
            cell = self.destination.astype(np.int32)  # one array, worked on in place
            cell *= carriers
            cell += self.parcels.carriers()
            np.putmask(cell, self.flow != DOWN, nodes * carriers)
            self._cells[nodes, carriers] = cell
        return self._cells[nodes, carriers]

    def __len__(self) -> int:
        return len(self.parcels)

    @property
    def times(self) -> dict[str, np.ndarray]:
        """The stamp columns by stage, every stamp made so far written."""
        for stage, buffer in self._buffers.items():
            buffer.write_to(self._times[stage])
        return self._times

    def stamp(self, stage: str, ids: np.ndarray, when: float | np.ndarray) -> None:
        """Parcels `ids` reached `stage` at `when` (one time, or one each)."""
        buffer = self._buffers[stage]
        if not buffer.add(ids, when):
            buffer.write_to(self._times[stage])
            if not buffer.add(ids, when):  # more than a buffer holds: written directly
                self._times[stage][ids] = when

    def delivered_by(self, t: float) -> int:
        return int(np.count_nonzero(self.times["done"] <= t))


class _StampBuffer:
    """Stamps of one stage not yet written to its column, in the order they were made (a
    parcel is stamped at most once per stage, so the order of writing cannot matter)."""

    def __init__(self, capacity: int) -> None:
        self._ids = np.empty(capacity, dtype=PARCEL_ID)
        self._when = np.empty(capacity, dtype=STAMP)
        self._size = 0

    def add(self, ids: np.ndarray, when: float | np.ndarray) -> bool:
        """Hold the stamps, or return False if they do not fit."""
        start, end = self._size, self._size + len(ids)
        if end > len(self._ids):
            return False
        self._ids[start:end] = ids
        self._when[start:end] = when  # rounded to single precision as the column would be
        self._size = end
        return True

    def write_to(self, column: np.ndarray) -> None:
        if self._size:
            column[self._ids[: self._size]] = self._when[: self._size]
            self._size = 0
