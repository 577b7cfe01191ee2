"""What one city's run hands back for merging: compact tables and counts, and its measured
lead times sorted by cell, in memory or in a file beside the run's other files.

A cell is the measured parcels of one flow, resident's tier, carrier and operating mode.
Every lead-time group of summary.json that spans cities (all parcels, by flow, tier,
carrier, mode) is a union of cells, so the merged quantiles are exact order statistics over
the cells' sorted runs, and the merged means add the cells' sums in one fixed order.
"""

from __future__ import annotations

import os
import resource
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from sim.demand import FLOW_NAMES
from sim.experiment.split.parts import Part
from sim.results.costs import delivered_in, sorted_by_kind
from sim.results.folders import atomic_write
from sim.results.summary import Results
from sim.scenario.models import NODE_KINDS

SKETCH_STEP = 4096  # ranks between a cell's sketch values: a window of 32 kB read per count


@dataclass(frozen=True)
class Cell:
    """The measured parcels of one (flow, tier, carrier, mode) in one city; their delivered
    lead times are `leads[start:end]` of the city's array, ascending."""

    key: tuple[str, str, str, str]
    parcels: int
    on_time: int
    total: float  # the delivered lead times summed in the parcels' order
    largest: float | None
    start: int
    end: int
    sketch: np.ndarray = field(compare=False)  # its values at ranks 0, step, 2 step, ...
    step: int = SKETCH_STEP

    @property
    def count(self) -> int:
        return self.end - self.start


@dataclass(frozen=True)
class SortedRun:
    """One cell's lead times, ascending: in memory, or in a city's file, where counting the
    values at most v reads one window of `step` values (found in the cell's sketch), so the
    driver's memory holds no city's lead times, not even as mapped pages."""

    cell: Cell
    values: np.ndarray | None = None
    path: str | None = None

    @property
    def first(self) -> float:
        return float(self.cell.sketch[0])

    def count_at_most(self, value: float) -> int:
        cell = self.cell
        if self.values is not None:
            return int(np.searchsorted(self.values[cell.start:cell.end], value, "right"))
        window = int(np.searchsorted(cell.sketch, value, "right"))
        if window == 0:
            return 0
        first = (window - 1) * cell.step
        values = np.fromfile(self.path, dtype=np.float64, offset=8 * (cell.start + first),
                             count=min(cell.step, cell.count - first))
        return first + int(np.searchsorted(values, value, "right"))


@dataclass
class PartResult:
    """One city's run, compact: what the merge needs and the files' tables."""

    hub: str
    name: str
    error: str | None = None
    counts: dict[str, int] = field(default_factory=dict)
    window: tuple[int, int, int] = (0, 0, 0)
    end_h: float = 0.0
    by_county: dict = field(default_factory=dict)
    sorting: dict = field(default_factory=dict)
    backlog: dict = field(default_factory=dict)
    routes: pd.DataFrame | None = None
    sorted_counts: dict[str, int] = field(default_factory=dict)
    delivered_in_window: int = 0
    bottlenecks: pd.DataFrame | None = None
    tables: dict[str, pd.DataFrame | str] = field(default_factory=dict)  # or .parquet
    cells: list[Cell] = field(default_factory=list)
    leads: np.ndarray | str | None = None  # the sorted lead times, or the file of them
    seconds: float = 0.0
    started: float = 0.0  # wall-clock time (epoch seconds) its run began on its worker
    peak_bytes: int = 0  # the worker process's peak resident memory so far
    worker: int = 0  # its process id

    def table(self, name: str) -> pd.DataFrame:
        """Its `facility_hours` or `trips` table, read from its file if it has one."""
        table = self.tables[name]
        return pd.read_parquet(table) if isinstance(table, str) else table

    def lead_times(self) -> np.ndarray:
        """All its sorted lead times, cell after cell (read from their file: for tests)."""
        if isinstance(self.leads, str):
            return np.fromfile(self.leads, dtype=np.float64)
        return self.leads

    def runs(self) -> list[SortedRun]:
        """Its cells' sorted lead times, each to be searched where it is."""
        if isinstance(self.leads, str):
            return [SortedRun(cell, path=self.leads) for cell in self.cells]
        return [SortedRun(cell, values=self.leads) for cell in self.cells]


def part_result(results: Results, part: Part, scratch: Path | None = None) -> PartResult:
    """The compact result of a city's run; its lead times and its hour and trip tables go
    into files in `scratch` if given (else they stay in memory)."""
    output = results.output
    summary = results.summary_without_twin
    cells, leads = lead_cells(results)
    tables: dict[str, pd.DataFrame | str] = {"facility_hours": results.facility_hours(),
                                             "trips": results.trips()}
    if scratch is not None:  # raw doubles: a window is read at its offset
        atomic_write(scratch / f"{part.hub}.f64", lambda tmp: leads.tofile(tmp))
        leads = str(scratch / f"{part.hub}.f64")
        for name, frame in list(tables.items()):
            path = scratch / f"{part.hub}-{name}.parquet"
            atomic_write(path, lambda tmp, frame=frame: frame.to_parquet(tmp, index=False))
            tables[name] = str(path)
    window = results.window
    return PartResult(
        hub=part.hub, name=part.name, counts=dict(summary["parcels"]),
        window=(window.start, window.end, window.hours), end_h=output.end_h,
        by_county=summary["by_county"], sorting=summary["sorting"], backlog=summary["backlog"],
        routes=results.routes, sorted_counts=sorted_by_kind(output, results.load, window),
        delivered_in_window=delivered_in(output, window), bottlenecks=results.bottlenecks,
        tables=tables, cells=cells,
        leads=leads, peak_bytes=peak_memory(), worker=os.getpid())


def lead_cells(results: Results) -> tuple[list[Cell], np.ndarray]:
    """The measured parcels by cell, and their delivered lead times sorted within each."""
    outcomes, ledger = results.outcomes, results.output.ledger
    names = (list(FLOW_NAMES), list(NODE_KINDS), outcomes.carrier_names, outcomes.mode_names)
    shape = tuple(len(n) for n in names)
    code = np.ravel_multi_index((ledger.flow, outcomes.tier, outcomes.carrier,
                                 outcomes.mode), shape)
    measured = outcomes.measured
    delivered = measured & ~np.isnan(outcomes.lead_h)
    parcels = np.bincount(code[measured], minlength=np.prod(shape))
    on_time = np.bincount(code[measured & outcomes.on_time], minlength=np.prod(shape))
    lead_code = code[delivered]
    order = np.argsort(lead_code, kind="stable")  # by cell, in the parcels' order within
    leads = outcomes.lead_h[delivered][order]
    bounds = np.searchsorted(lead_code[order], np.arange(np.prod(shape) + 1))
    cells = []
    for cell in np.flatnonzero(parcels):
        start, end = int(bounds[cell]), int(bounds[cell + 1])
        values = leads[start:end]
        total = float(values.sum())  # in the parcels' order, before sorting
        values.sort()
        key = tuple(n[i] for n, i in zip(names, np.unravel_index(cell, shape), strict=True))
        cells.append(Cell(key=key, parcels=int(parcels[cell]), on_time=int(on_time[cell]),
                          total=total, largest=float(values[-1]) if end > start else None,
                          start=start, end=end, sketch=values[::SKETCH_STEP].copy()))
    return cells, leads


def peak_memory() -> int:
    """This process's peak resident memory in bytes (Linux reports kilobytes)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024

