"""The parcel ledger: one row per parcel, one timestamp column per stage.

Parcels are data, not processes: facilities and vehicles move index arrays of parcels and
stamp whole batches at once. A stage a parcel never visits stays NaN.
"""

from __future__ import annotations

import numpy as np

from sim.demand import DOWN, Parcels

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


class Ledger:
    """Columnar parcel state shared by every part of the engine."""

    def __init__(self, parcels: Parcels) -> None:
        self.parcels = parcels
        self.flow = parcels.flow
        self.destination = parcels.destination
        self.origin = parcels.origin
        self.times: dict[str, np.ndarray] = {"created": parcels.created}
        for stage in STAGES[1:]:
            self.times[stage] = np.full(len(parcels), np.nan, dtype=STAMP)
        self._cells: dict[tuple[int, int], np.ndarray] = {}

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

    def stamp(self, stage: str, ids: np.ndarray, when: float | np.ndarray) -> None:
        self.times[stage][ids] = when

    def delivered_by(self, t: float) -> int:
        return int(np.count_nonzero(self.times["done"] <= t))
