"""Several cities' runs as one: summary.json and the files' tables, exactly.

Counts add. Lead-time quantiles are exact order statistics over every city's sorted cells
(`order_statistic`: a bisection over the values' bits, counting with `searchsorted` in each
sorted run, memory-mapped from the cities' files), so no city's lead times are ever loaded
whole. Means add the cells' sums in one fixed order (cities in the node table's order, cells
in code order) before dividing, and fleets, modes, carriers and costs are worked out by
`sim.results.summary.summary_document` from the cities' routes tables put together. A whole
run of several cities is merged the same way from its cities' rows
(`sim.experiment.split.whole`), so the two give the same bytes.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from sim.demand import FLOW_NAMES
from sim.experiment.split.partial import Cell, PartResult, SortedRun
from sim.results.costs import cost_block
from sim.results.parcels import group_summary, lead_summary, percentiles
from sim.results.resources import Window, ranked
from sim.results.summary import summary_document
from sim.scenario.loader import LoadedScenario
from sim.scenario.models import SERVED_TIERS

COUNTS = ("created", "delivered", "in_network", "measured")


@dataclass
class MergedResults:
    """A run of several cities put together: what the files and the report read."""

    scenario: LoadedScenario
    summary: dict
    bottlenecks: pd.DataFrame
    parts: list[PartResult] = field(default_factory=list)
    resilience: None = None

    def frames(self, name: str) -> Iterator[pd.DataFrame]:
        """A table of the run's files (`facility_hours`, `trips`), city by city, each read
        from its worker's file only when wanted: the driver never holds them all."""
        for part in self.parts:
            yield part.table(name)

    def facility_hours(self) -> pd.DataFrame:
        return pd.concat(self.frames("facility_hours"), ignore_index=True)

    def trips(self) -> pd.DataFrame:
        return pd.concat(self.frames("trips"), ignore_index=True)

    def lots(self) -> None:
        return None

    def freight_trips(self) -> None:
        return None


def merge(scenario: LoadedScenario, parts: list[PartResult]) -> MergedResults:
    """The run of all these cities, from their compact results (in the cities' order)."""
    first = parts[0]
    window = Window(*first.window)
    counts = {key: sum(p.counts[key] for p in parts) for key in COUNTS}
    routes = pd.concat([p.routes for p in parts], ignore_index=True)
    cost = cost_block(scenario.config, routes,
                      {kind: sum(p.sorted_counts[kind] for p in parts)
                       for kind in first.sorted_counts},
                      sum(p.delivered_in_window for p in parts), counts["measured"])
    bottlenecks = ranked(pd.concat([p.bottlenecks.drop(columns="rank") for p in parts],
                                   ignore_index=True))
    summary = summary_document(
        scenario.config, window, first.end_h, counts, merged_kpis(scenario, parts),
        _joined(p.sorting for p in parts), _joined(p.backlog for p in parts), routes, cost,
        bottlenecks, None)
    return MergedResults(scenario=scenario, summary=summary, bottlenecks=bottlenecks,
                         parts=parts)


def _joined(blocks: Iterable[dict]) -> dict:
    """The cities' per-node (or per-county) blocks in one mapping, city after city."""
    joined: dict = {}
    for block in blocks:
        joined.update(block)
    return joined


def merged_kpis(scenario: LoadedScenario, parts: list[PartResult]) -> dict:
    """parcel_kpis' blocks for all the cities: groups spanning cities from their cells,
    counties (each in one city) as their city worked them out."""
    runs = [run for part in parts for run in part.runs()]

    def block(keep: Callable[[Cell], bool]) -> dict:
        return _block([run for run in runs if keep(run.cell)])

    overall = block(lambda cell: True)
    modes = sorted({run.cell.key[3] for run in runs})
    by_county = _joined(p.by_county for p in parts)
    return {
        "lead_time_h": overall["lead_time_h"],
        "on_time_rate": overall["on_time_rate"],
        "by_flow": {f: block(lambda c, f=f: c.key[0] == f) for f in FLOW_NAMES},
        "by_tier": {t: block(lambda c, t=t: c.key[1] == t) for t in SERVED_TIERS},
        "by_county": {name: by_county[name] for name in sorted(by_county)},
        "by_carrier": {c: block(lambda cell, c=c: cell.key[2] == c)
                       for c in scenario.config.carrier_names()},
        "by_mode": {m: block(lambda c, m=m: c.key[3] == m) for m in modes},
    }


def _block(runs: list[SortedRun]) -> dict:
    """group_block of these cells' parcels together."""
    cells = [run.cell for run in runs]
    parcels = sum(cell.parcels for cell in cells)
    on_time = sum(cell.on_time for cell in cells)
    count = sum(cell.count for cell in cells)
    if count == 0:
        return group_summary(parcels, on_time, lead_summary(0, None, [], None))
    total = 0.0
    for cell in cells:
        total += cell.total
    largest = max(cell.largest for cell in cells if cell.count)
    filled = [run for run in runs if run.cell.count]
    quantiles = percentiles(count, largest, lambda ranks: {
        rank: order_statistic(filled, rank, largest) for rank in ranks})
    return group_summary(parcels, on_time, lead_summary(count, total / count, quantiles,
                                                        largest))


def order_statistic(runs: list[SortedRun], rank: int, largest: float) -> float:
    """The value at `rank` (from 0) of all the runs' values sorted together (`largest`
    being their maximum); each run is ascending, every value finite and not negative, so
    the values' bits as integers are in the same order: the answer is the least bit pattern
    with more than `rank` values at or below it, found by bisection, each step counting in
    every run."""
    low = min(int(np.float64(run.first).view(np.int64)) for run in runs)
    high = int(np.float64(largest).view(np.int64))
    while low < high:
        middle = (low + high) // 2
        value = float(np.int64(middle).view(np.float64))
        if sum(run.count_at_most(value) for run in runs) > rank:
            high = middle
        else:
            low = middle + 1
    return float(np.int64(low).view(np.float64))
