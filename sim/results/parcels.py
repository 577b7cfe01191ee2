"""Per-parcel outcomes: lead time, on-time flag, where the resident lives, which county.

Lead time runs from entering the city to reaching the resident (downward) or from the
resident to leaving the city (upward). Parcels not through by the end of the run have no lead
time and count as late. KPIs use the parcels created in the measured window (after warm-up).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pyarrow as pa

from sim.demand import DOWN, FLOW_NAMES
from sim.engine.ledger import STAGES
from sim.engine.model import SimulationOutput
from sim.results.series import PIECE
from sim.scenario.models import NODE_KINDS, SERVED_TIERS

QUANTILES = {"p50": 50, "p90": 90, "p95": 95}


@dataclass(frozen=True)
class ParcelOutcomes:
    resident: np.ndarray  # node index of the resident's end (destination down, origin up)
    tier: np.ndarray  # int8 level of that node (park, station or point)
    county: np.ndarray  # int16 index into `county_names`
    county_names: list[str]
    lead_h: np.ndarray  # NaN when not through by the end of the run
    on_time: np.ndarray  # bool
    measured: np.ndarray  # bool: created inside the KPI window
    door: np.ndarray  # bool: a downward parcel delivered to the door (not collected)
    carrier: np.ndarray  # int8 index into `carrier_names`
    carrier_names: list[str]
    mode: np.ndarray  # int8 index into `mode_names`: how the resident's last leg is run
    mode_names: list[str]


def parcel_outcomes(output: SimulationOutput) -> ParcelOutcomes:
    config = output.scenario.config
    ledger, tree = output.ledger, output.network.tree
    down = ledger.flow == DOWN
    resident = np.where(down, ledger.destination, ledger.origin)
    tier = tree.level[resident]
    county_names = sorted({str(c) for c in tree.county if c})
    county_index = {name: i for i, name in enumerate(county_names)}
    node_county = np.array([county_index.get(str(c), -1) for c in tree.county], dtype=np.int16)
    lead = _lead_times(ledger.times["created"], ledger.times["done"], output.end_h)
    targets = np.full((len(FLOW_NAMES), len(NODE_KINDS)), np.nan)  # by flow and tier
    for flow, hours in ((DOWN, config.targets.down_h), (1 - DOWN, config.targets.up_h)):
        for tier_name in SERVED_TIERS:
            targets[flow, NODE_KINDS.index(tier_name)] = getattr(hours, tier_name)
    run = config.run
    created = ledger.times["created"]
    measured = (created >= run.warmup_days * 24.0) & (created < run.days * 24.0)
    door = down & ((tier == NODE_KINDS.index("park"))
                   | (ledger.parcels.u_door < config.pickup.door_share))
    network = output.network
    node_mode = np.where(tree.level == NODE_KINDS.index("park"), "county seat",
                         network.mode_of).astype(str)
    mode_names = sorted(set(node_mode[_occurring(resident, tree.size)].tolist()))
    mode_index = {name: i for i, name in enumerate(mode_names)}
    node_mode_code = np.array([mode_index.get(m, -1) for m in node_mode], dtype=np.int8)
    return ParcelOutcomes(
        resident=resident, tier=tier, county=node_county[resident], county_names=county_names,
        lead_h=lead, on_time=_within_targets(lead, targets, ledger.flow, tier),
        measured=measured, door=door,
        carrier=ledger.parcels.carriers(), carrier_names=list(network.carriers),
        mode=node_mode_code[resident], mode_names=mode_names,
    )


def _lead_times(created: np.ndarray, done: np.ndarray, end_h: float) -> np.ndarray:
    """Hours from creation to done, NaN if not done by the end: filled in one array."""
    lead = np.full(len(done), np.nan)
    np.subtract(done, created, out=lead, where=done <= end_h)
    return lead


def _within_targets(lead: np.ndarray, targets: np.ndarray, flow: np.ndarray,
                    tier: np.ndarray) -> np.ndarray:
    """lead <= targets[flow, tier], a piece at a time: the gathered targets stay in cache
    rather than making a full-size array."""
    on_time = np.empty(len(lead), dtype=bool)
    flat = targets.ravel()
    for start in range(0, len(lead), PIECE):
        piece = slice(start, start + PIECE)
        target = flat[flow[piece] * targets.shape[1] + tier[piece]]  # one flat gather
        np.less_equal(lead[piece], target, out=on_time[piece])
    return on_time


def _occurring(indices: np.ndarray, size: int) -> np.ndarray:
    """The values in `indices` (all in [0, size)), ascending, without counting them."""
    seen = np.zeros(size, dtype=bool)
    seen[indices] = True
    return np.flatnonzero(seen)


def lead_block(lead_h: np.ndarray) -> dict[str, float | int | None]:
    """Mean, quantiles and max of the lead times of delivered parcels, in the parcels' order;
    the quantiles reorder `lead_h` (after the mean has summed it in order)."""
    if len(lead_h) == 0:
        return lead_summary(0, None, [], None)
    largest = float(lead_h.max())
    mean = float(lead_h.mean())  # in the parcels' order (its rounding)
    return lead_summary(len(lead_h), mean, percentiles(
        len(lead_h), largest, lambda ranks: _order_statistics(lead_h, ranks)), largest)


def lead_summary(count: int, mean: float | None, quantiles: list[float],
                 largest: float | None) -> dict[str, float | int | None]:
    """The lead-time block's layout: one run's, or several cities' merged."""
    if count == 0:
        return {"count": 0, "mean": None, **dict.fromkeys(QUANTILES), "max": None}
    return {"count": count, "mean": mean, **dict(zip(QUANTILES, quantiles, strict=True)),
            "max": largest}


def percentiles(count: int, largest: float,
                order_statistics: Callable[[list[int]], dict[int, float]]) -> list[float]:
    """np.percentile(values, QUANTILES) by its default (linear) rule, from the values at
    the few ranks it needs (`order_statistics(ranks)`, ascending ranks of the sorted
    values): from one-point partitions in one run, numpy's own several-point partition
    being slower than sorting everything; from exact selections over many cities' runs."""
    virtual = (count - 1) * np.true_divide(list(QUANTILES.values()), 100)
    below = np.floor(virtual).astype(np.intp)
    ranks = {int(r) for rank in below for r in (rank, rank + 1) if r < count - 1}
    at = {**order_statistics(sorted(ranks)), count - 1: largest}
    results = []
    for index, rank, gamma in zip(virtual.tolist(), below.tolist(),
                                  (virtual - below).tolist(), strict=True):
        if index >= count - 1:
            results.append(largest)
            continue
        lower, upper = at[rank], at[rank + 1]
        step = upper - lower
        # numpy's lerp: from the nearer end, so that gamma 1 gives the upper value exactly
        results.append(upper - step * (1 - gamma) if gamma >= 0.5 else lower + step * gamma)
    return results


def _order_statistics(values: np.ndarray, ranks: list[int]) -> dict[int, float]:
    """The values at these ranks (ascending) of the sorted values, partitioning `values` in
    place from the smallest rank up, each time only the part not below the previous rank."""
    found, start = {}, 0
    for rank in ranks:
        rest = values[start:]  # exactly the values of ranks start and up
        if rank == start:  # the smallest of them: a scan, no partition
            found[rank] = float(rest.min())
            continue
        rest.partition(rank - start)
        found[rank] = float(values[rank])
        start = rank + 1
    return found


def group_block(parcels: int, on_time: int, lead_h: np.ndarray) -> dict:
    """Lead-time block, on-time rate and counts for one group of measured parcels, from
    their number, how many were on time and the delivered ones' lead times (which the
    quantiles reorder)."""
    return group_summary(parcels, on_time, lead_block(lead_h))


def group_summary(parcels: int, on_time: int, lead: dict) -> dict:
    """A group's block from its counts and its lead-time block (`lead_summary`)."""
    return {
        "parcels": parcels,
        "delivered": lead["count"],
        "lead_time_h": lead,
        "on_time_rate": on_time / parcels if parcels else None,
    }


@dataclass(frozen=True)
class MeasuredLeads:
    """The measured parcels' outcomes, ready to be split by group with masks over all
    parcels. A group's lead times are gathered in the parcels' order into one shared buffer,
    which the quantiles then reorder: no fresh full-size array per group."""

    measured: np.ndarray  # bool over all parcels
    delivered: np.ndarray  # bool over all parcels: measured and through by the end
    on_time: np.ndarray  # bool over all parcels: measured and on time
    lead_h: np.ndarray  # lead time of every parcel (NaN: not through)
    scratch: np.ndarray  # room for the lead times of all delivered measured parcels

    @staticmethod
    def of(outcomes: ParcelOutcomes) -> MeasuredLeads:
        measured = outcomes.measured
        delivered = measured & ~np.isnan(outcomes.lead_h)
        return MeasuredLeads(measured, delivered, measured & outcomes.on_time, outcomes.lead_h,
                             np.empty(np.count_nonzero(delivered)))

    def block(self) -> dict:
        """The block of all measured parcels."""
        return self._block(int(np.count_nonzero(self.measured)), self.on_time, self.delivered)

    def _block(self, parcels: int, on_time: np.ndarray, delivered: np.ndarray) -> dict:
        """`group_block` of so many measured parcels, with these masks over all parcels."""
        lead = self.scratch[: np.count_nonzero(delivered)]
        np.compress(delivered, self.lead_h, out=lead)  # np.compress: faster than a mask index
        return group_block(parcels, int(np.count_nonzero(on_time)), lead)

    def blocks(self, codes: np.ndarray, groups: list[int], whole: dict) -> list[dict]:
        """`group_block` of each group code in `groups` (codes over all parcels); a group
        holding every measured parcel is `whole`, the block of them all."""
        blocks = []
        for group in groups:
            mine = codes == group
            parcels = int(np.count_nonzero(mine & self.measured))
            if parcels == whole["parcels"]:
                blocks.append({**whole, "lead_time_h": dict(whole["lead_time_h"])})
                continue
            blocks.append(self._block(parcels, mine & self.on_time, mine & self.delivered))
        return blocks


def parcel_kpis(output: SimulationOutput, outcomes: ParcelOutcomes) -> dict:
    """Overall, by flow, by tier, by county, by carrier and by mode."""
    leads = MeasuredLeads.of(outcomes)
    overall = leads.block()

    def by(codes: np.ndarray, names: list[str], groups: list[int] | None = None) -> dict:
        groups = list(range(len(names))) if groups is None else groups
        return dict(zip(names, leads.blocks(codes, groups, overall), strict=True))

    by_flow = by(output.ledger.flow, list(FLOW_NAMES))
    by_tier = by(outcomes.tier, list(SERVED_TIERS),
                 [NODE_KINDS.index(name) for name in SERVED_TIERS])
    by_county = by(outcomes.county, outcomes.county_names)
    by_carrier = by(outcomes.carrier, outcomes.carrier_names)
    by_mode = by(outcomes.mode, outcomes.mode_names)
    return {
        "lead_time_h": overall["lead_time_h"],
        "on_time_rate": overall["on_time_rate"],
        "by_flow": by_flow,
        "by_tier": by_tier,
        "by_county": by_county,
        "by_carrier": by_carrier,
        "by_mode": by_mode,
    }


def parcels_table(output: SimulationOutput, outcomes: ParcelOutcomes,
                  rows: slice = slice(None)) -> pa.Table:
    """One row per parcel: ids, flow, ends, county, tier, a time per stage, outcome.

    Built straight from the ledger's arrays (no pandas copy), for a slice of parcel ids so
    that large runs can be written in pieces.
    """
    ledger, tree = output.ledger, output.network.tree
    ids = np.arange(*rows.indices(len(ledger)), dtype=np.int64)
    node_ids = pa.array(tree.ids.astype(str))

    def coded(codes: np.ndarray, labels: pa.Array) -> pa.DictionaryArray:
        indices = pa.array(codes[rows].astype(np.int32), type=pa.int32())  # the slice only
        return pa.DictionaryArray.from_arrays(indices, labels)

    columns: dict[str, pa.Array] = {
        "id": pa.array(ids),
        "flow": coded(ledger.flow, pa.array(FLOW_NAMES)),
        "origin": coded(ledger.origin, node_ids),
        "destination": coded(ledger.destination, node_ids),
        "county": coded(outcomes.county, pa.array(outcomes.county_names, type=pa.string())),
        "tier": coded(outcomes.tier, pa.array(NODE_KINDS)),
        "carrier": coded(outcomes.carrier, pa.array(outcomes.carrier_names, type=pa.string())),
        "mode": coded(outcomes.mode, pa.array(outcomes.mode_names, type=pa.string())),
    }
    for stage in STAGES:
        times = ledger.times[stage][rows]
        # what had not happened by the end of the run is left blank (NaN compares false); a
        # mask marks the blanks without copying the times, which is five times faster
        columns[f"{stage}_h"] = pa.array(times, mask=~(times <= output.end_h))
    lead = outcomes.lead_h[rows]
    columns["lead_time_h"] = pa.array(lead, mask=np.isnan(lead))
    columns["on_time"] = pa.array(outcomes.on_time[rows])
    columns["door"] = pa.array(outcomes.door[rows])
    columns["measured"] = pa.array(outcomes.measured[rows])
    return pa.table(columns)
