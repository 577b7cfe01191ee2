"""Small tables for pictures: lead-time histograms; places, vehicle loops and the run day
by day for a map.

They summarise a run's results (which can hold millions of parcels) into a few thousand
rows, so an app or a notebook can draw them at once.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from sim.demand import DOWN, FLOW_NAMES
from sim.engine.model import SimulationOutput
from sim.network import POINT, Network, Tree
from sim.results.parcels import group_block
from sim.results.series import HourlyStamps, inside
from sim.results.summary import Results
from sim.scenario.models import NODE_KINDS, SERVED_TIERS, Targets, TierTargets


def lead_histogram(results: Results, by: str = "tier", bin_h: float = 2.0) -> pd.DataFrame:
    """Share of measured, delivered parcels per lead-time bin, per tier or county."""
    outcomes = results.outcomes
    rows = outcomes.measured & ~np.isnan(outcomes.lead_h)
    lead = outcomes.lead_h[rows]
    if by == "tier":
        codes, names = outcomes.tier[rows], list(NODE_KINDS)
        groups = [NODE_KINDS.index(t) for t in SERVED_TIERS]
    elif by == "county":
        codes, names = outcomes.county[rows], outcomes.county_names
        groups = list(range(len(names)))
    else:
        raise ValueError(f"by must be 'tier' or 'county', not {by!r}")
    top = max(float(lead.max(initial=0.0)), bin_h)
    edges = np.arange(0.0, top + bin_h, bin_h)
    frames = []
    for code in groups:
        counts, _ = np.histogram(lead[codes == code], bins=edges)
        total = max(int(counts.sum()), 1)
        frames.append(pd.DataFrame({by: names[code], "lead_time_h": edges[:-1],
                                    "parcels": counts, "share": counts / total}))
    return pd.concat(frames, ignore_index=True)


def place_table(tree: Tree) -> pd.DataFrame:
    """One row per node of the tier tree: what and where it is. A network's map before any
    run draws these; `node_view` adds a run's measures to them."""
    parent = np.where(tree.parent >= 0, tree.ids[np.maximum(tree.parent, 0)], "")
    return pd.DataFrame({
        "id": tree.ids.astype(str), "name": tree.names.astype(str),
        "kind": [NODE_KINDS[level] for level in tree.level], "parent": parent.astype(str),
        "county": tree.county.astype(str), "lon": tree.lon, "lat": tree.lat,
        "population": tree.population,
    })


def node_view(results: Results) -> pd.DataFrame:
    """One row per node: where it is, how its residents' measured parcels fared against
    their targets and how busy it is.

    `parcels` counts the residents' parcels made in the measured window, `still_inside`
    those of them not delivered by the end of the run; `mean_lead_h` is over the delivered
    ones and `target_h` their mean target (the tier's down and up targets, weighted by the
    parcels of each flow). `utilisation` is the sorting lines' busy share of their shift
    hours (as in the bottleneck table), a village shelf's peak over its slots (none where
    no shelf is in use), or a goods hub's cold store (else its dock); `demand_share` is what
    arrived at a sorting line over what it can sort in its shifts, above 1 where more came
    than it could sort."""
    output = results.output
    tree, outcomes = output.network.tree, results.outcomes
    size = tree.size
    measured = outcomes.measured
    delivered = measured & ~np.isnan(outcomes.lead_h)
    resident, lead = outcomes.resident, outcomes.lead_h
    parcels = np.bincount(resident[measured], minlength=size)
    counts = np.bincount(resident[delivered], minlength=size)
    down = np.bincount(resident[delivered & (output.ledger.flow == DOWN)], minlength=size)
    targets = output.scenario.config.targets
    target_down, target_up = (_tier_targets(hours, tree.level)
                              for hours in (targets.down_h, targets.up_h))
    with np.errstate(invalid="ignore", divide="ignore"):
        mean_lead = np.where(counts > 0, np.bincount(resident[delivered], weights=lead[delivered],
                                                     minlength=size) / counts, np.nan)
        target = np.where(counts > 0, (down * target_down + (counts - down) * target_up)
                          / counts, np.nan)
        on_time = np.where(parcels > 0, np.bincount(resident[measured & outcomes.on_time],
                                                    minlength=size) / parcels, np.nan)
    busy, demand = _facility_use(results)
    points = tree.of_level(POINT)
    slots = np.full(size, np.nan)  # a point with no shelf in use (station pickup): none
    slots[points] = np.where(np.isfinite(output.shelf_slots[points]),
                             output.shelf_slots[points], np.nan)
    busy[points] = np.where(slots[points] > 0,
                            output.shelf_peak[points] / np.maximum(slots[points], 1),
                            np.where(np.isnan(slots[points]), np.nan, 1.0))
    nodes = place_table(tree).assign(
        parcels=parcels, still_inside=parcels - counts, mean_lead_h=mean_lead,
        target_h=target, on_time_share=on_time, utilisation=busy, demand_share=demand,
        shelf_slots=slots)
    if output.goods is None:
        return nodes
    return pd.concat([nodes, _goods_hubs(results)], ignore_index=True)


def _tier_targets(hours: TierTargets, level: np.ndarray) -> np.ndarray:
    """Each node's lead-time target by its tier (NaN where nobody lives: gateway, hub)."""
    by_level = np.array([getattr(hours, kind, np.nan) for kind in NODE_KINDS], dtype=float)
    return by_level[level]


def _facility_use(results: Results) -> tuple[np.ndarray, np.ndarray]:
    """Each node's sorting lines over the measured window: their busy share of the shift
    hours, and the parcels that arrived over what they can sort (NaN where none)."""
    output, load, window = results.output, results.load, results.window
    size = output.network.tree.size
    span = slice(window.start, window.end)
    capacity = output.sort_rate[load.nodes] * load.open_hours[:, span].sum(axis=1)
    busy, demand = np.full(size, np.nan), np.full(size, np.nan)
    with np.errstate(invalid="ignore", divide="ignore"):
        busy[load.nodes] = np.where(capacity > 0, load.sorted[:, span].sum(axis=1) / capacity,
                                    0.0)
        demand[load.nodes] = np.where(capacity > 0,
                                      load.arrived[:, span].sum(axis=1) / capacity, np.nan)
    return busy, demand


def _goods_hubs(results: Results) -> pd.DataFrame:
    """The goods hubs as map nodes (kind `goods_hub`), busy as their cold store (or else
    their dock) is."""
    hubs = results.summary["cold_chain"]["hubs"]
    rows = []
    for hub in results.output.goods.plan.hubs:
        block = hubs[hub.name]
        store = block.get("cold_storage") or {}
        use = store.get("utilisation")
        rows.append({"id": hub.name, "name": hub.label or hub.name, "kind": "goods_hub",
                     "parent": "", "county": hub.role, "lon": hub.lon, "lat": hub.lat,
                     "population": 0, "parcels": 0, "still_inside": 0, "mean_lead_h": np.nan,
                     "target_h": np.nan, "on_time_share": np.nan,
                     "utilisation": block["handling_utilisation"] if use is None else use,
                     "demand_share": np.nan, "shelf_slots": np.nan})
    return pd.DataFrame(rows)


LOOP_COLUMNS = ["route", "fleet", "mode", "base", "vehicles", "km", "path"]


def loop_paths(network: Network) -> pd.DataFrame:
    """One row per vehicle loop that leaves its base: its fleet, operating mode, base,
    vehicles, km a loop and its path (base, stops, base) as [lon, lat] pairs. A network's
    map before any run draws these; `edge_view` adds what each loop carried."""
    tree = network.tree
    rows = [{"route": route.name, "fleet": route.fleet, "mode": route.mode,
             "base": str(tree.ids[route.base]), "vehicles": route.vehicles,
             "km": route.loop_km,
             "path": _path([route.base, *route.stops.tolist(), route.base], tree.lon,
                           tree.lat)}
            for route in network.routes if (route.stops != route.base).any()]
    return pd.DataFrame(rows, columns=LOOP_COLUMNS)


def _path(nodes: list[int], lon: np.ndarray, lat: np.ndarray) -> list[list[float]]:
    return [[float(lon[node]), float(lat[node])] for node in nodes]


def edge_view(results: Results) -> pd.DataFrame:
    """One row per vehicle loop (`loop_paths`), with what it carried a day over the measured
    window: parcels, or pallets for the goods fleets' loops from their hubs."""
    window = results.window
    carried = results.routes.set_index("route")["carried"]
    loops = loop_paths(results.output.network)
    loops = loops.assign(per_day=(loops["route"].map(carried).fillna(0.0)
                                  / window.days if window.days else 0.0), unit="parcels")
    if results.output.goods is None:
        return loops
    return pd.concat([loops, _goods_loops(results)], ignore_index=True)


def _goods_loops(results: Results) -> pd.DataFrame:
    """Each goods fleet's zones as loops from its hub, with the pallets it carried a day."""
    output, window = results.output, results.window
    goods, tree = output.goods, output.network.tree
    hubs = goods.plan.hubs
    lon = np.concatenate([tree.lon, [h.lon for h in hubs]])
    lat = np.concatenate([tree.lat, [h.lat for h in hubs]])
    carried = _goods_carried(goods.trips).sum(axis=1)
    rows = []
    for fleet in goods.plan.fleets:
        site = int(goods.plan.hub_site[fleet.hub])
        for zone in fleet.zones:
            route = f"{fleet.name}:{zone.name}"
            rows.append({
                "route": route, "fleet": "reefer" if fleet.spec.refrigerated else "truck",
                "mode": "", "base": hubs[fleet.hub].name, "vehicles": fleet.spec.vehicles,
                "km": float(zone.leg_km.sum()),
                "path": _path([site, *zone.stops.tolist(), site], lon, lat),
                "per_day": carried.get(route, 0.0) / window.days if window.days else 0.0,
                "unit": "pallets"})
    return pd.DataFrame(rows)


def _goods_carried(trips: pd.DataFrame) -> pd.DataFrame:
    """Pallets each goods loop (`fleet:zone`) carried out and back, by the day its trips
    left (columns)."""
    if trips.empty:
        return pd.DataFrame(dtype=float)
    return (trips["pallets_out"] + trips["pallets_back"]).groupby(
        [trips["fleet"] + ":" + trips["zone"], (trips["depart_h"] // 24).astype(int)]
    ).sum().unstack(fill_value=0.0)


@dataclass(frozen=True)
class MapDays:
    """What a map replays day by day, day 0 being `run.start_date` (warm-up and drain days
    included): node x day and loop x day tables, small beside the run."""

    backlog: pd.DataFrame  # node id x day: parcels in each facility (hub, parks, stations)
    #                        or on each village shelf at the day's end
    carried: pd.DataFrame  # loop x day: parcels (goods loops: pallets) on trips leaving
    #                        that day, out and back
    waiting: pd.DataFrame  # parcel loop x day: parcels ready for it, not yet aboard, at
    #                        the day's end


def map_days(results: Results) -> MapDays:
    """The run day by day for a map: where parcels wait and what each loop carries, so an
    overload shows as it builds."""
    output, window = results.output, results.window
    tree, network = output.network.tree, output.network
    days = -(-window.hours // 24)
    day_ends = np.minimum(24 * np.arange(1, days + 1), window.hours) - 1
    facilities = results.load.backlog.end[:, day_ends]
    points = tree.of_level(POINT)
    backlog = pd.DataFrame(np.concatenate([facilities, _on_shelves(output, points, days)]),
                           index=tree.ids[np.concatenate([results.load.nodes, points])]
                           .astype(str), columns=range(days))
    trips = output.trips
    cell = trips["route"].to_numpy() * days + np.minimum(
        (trips["depart_h"].to_numpy() // 24).astype(np.int64), days - 1)
    names = [route.name for route in network.routes]
    carried = pd.DataFrame(np.bincount(cell, weights=trips["down_parcels"] + trips["up_parcels"],
                                       minlength=len(names) * days).reshape(len(names), days),
                           index=names, columns=range(days))
    if output.goods is not None:
        loops = [f"{fleet.name}:{zone.name}" for fleet in output.goods.plan.fleets
                 for zone in fleet.zones]
        carried = pd.concat([carried, _goods_carried(output.goods.trips).reindex(
            index=loops, columns=range(days), fill_value=0.0)])
    waiting = pd.DataFrame(results.route_waiting.end[:, day_ends], index=names,
                           columns=range(days))
    return MapDays(backlog=backlog, carried=carried, waiting=waiting)


def _on_shelves(output: SimulationOutput, points: np.ndarray, days: int) -> np.ndarray:
    """(points, days): downward parcels at each village point at each day's end, arrived
    and not yet collected (stamps counted in days rather than hours)."""
    ledger, tree = output.ledger, output.network.tree
    times = ledger.times
    shelf = np.full(tree.size, -1, dtype=np.int32)
    shelf[points] = np.arange(len(points), dtype=np.int32)
    group = np.where(ledger.flow == DOWN, shelf[ledger.destination], -1)
    entered, left = HourlyStamps.of_parcels((times["point_arr"] / 24, times["done"] / 24),
                                            group, len(points), days)
    return inside(entered, left)[1]


# What the app's charts draw: lead times against the targets, facilities by day, one
# route's trips. Codes and numbers only; the pictures name and translate them.

LEAD_BIN_H = 1.0  # hours: fine enough that an axis ends within the hour of a quantile
ALL_COUNTIES = ""  # the county of a `lead_tables` group row over every county


def lead_tables(results: Results, bin_h: float = LEAD_BIN_H) -> tuple[pd.DataFrame,
                                                                       pd.DataFrame]:
    """Two tables of the measured parcels' lead times, by flow, tier and county.

    `bins`: parcels delivered by the end, counted per lead-time bin of `bin_h` hours
    (`lead_h` is the bin's start; only bins holding parcels). `groups`: each flow and tier,
    in each county and in all of them (county `ALL_COUNTIES`), with its measured parcels,
    those delivered, the on-time share, lead-time p50, p95 and max (as summary.json computes
    them) and the target the on-time share counts against."""
    outcomes = results.outcomes
    names = outcomes.county_names or [ALL_COUNTIES]
    shape = (len(FLOW_NAMES), len(NODE_KINDS), len(names))
    codes = np.ravel_multi_index((results.output.ledger.flow, outcomes.tier,
                                  np.maximum(outcomes.county, 0)), shape).astype(np.int16)
    measured, size = outcomes.measured, math.prod(shape)
    parcels = np.bincount(codes[measured], minlength=size)
    on_time = np.bincount(codes[measured & outcomes.on_time], minlength=size)
    delivered = measured & ~np.isnan(outcomes.lead_h)
    # one radix sort of the small codes: each group's lead times become a slice, and a
    # tier's counties neighbours
    order = np.argsort(codes[delivered], kind="stable")
    lead = outcomes.lead_h[delivered][order]
    bounds = np.concatenate([[0], np.cumsum(np.bincount(codes[delivered], minlength=size))])
    return (_binned(lead, bounds, shape, names, bin_h),
            _group_rows(results.output.scenario.config.targets, names, parcels, on_time,
                        lead, bounds))


def _binned(lead: np.ndarray, bounds: np.ndarray, shape: tuple[int, int, int],
            names: list[str], bin_h: float) -> pd.DataFrame:
    """Lead times sorted by group (group g from bounds[g] to bounds[g + 1]), counted per
    group and bin."""
    bin_of = (lead // bin_h).astype(np.int64)
    width = int(bin_of.max(initial=0)) + 1
    group = np.repeat(np.arange(len(bounds) - 1), np.diff(bounds))
    counts = np.bincount(group * width + bin_of)
    cells = np.flatnonzero(counts)
    group_of, start_of = np.divmod(cells, width)
    flow_of, tier_of, county_of = np.unravel_index(group_of, shape)
    return pd.DataFrame({
        "flow": np.asarray(FLOW_NAMES)[flow_of], "tier": np.asarray(NODE_KINDS)[tier_of],
        "county": np.asarray(names)[county_of], "lead_h": start_of * bin_h,
        "parcels": counts[cells]})


def _group_rows(targets: Targets, names: list[str], parcels: np.ndarray, on_time: np.ndarray,
                lead: np.ndarray, bounds: np.ndarray) -> pd.DataFrame:
    """Each flow and served tier, over all counties and in each, from per-group counts and
    the lead times sorted by group."""
    counties, rows = len(names), []
    for flow, tier in itertools.product(range(len(FLOW_NAMES)), SERVED_TIERS):
        first = (flow * len(NODE_KINDS) + NODE_KINDS.index(tier)) * counties
        spans = [(ALL_COUNTIES, range(first, first + counties))]
        if names != [ALL_COUNTIES]:
            spans += [(name, range(first + c, first + c + 1)) for c, name in enumerate(names)]
        for county, span in spans:
            block = group_block(int(parcels[span].sum()), int(on_time[span].sum()),
                                lead[bounds[span.start]:bounds[span.stop]].copy())
            rows.append({
                "flow": FLOW_NAMES[flow], "tier": tier, "county": county,
                "parcels": block["parcels"], "delivered": block["delivered"],
                "on_time_share": block["on_time_rate"],
                "p50_h": block["lead_time_h"]["p50"], "p95_h": block["lead_time_h"]["p95"],
                "max_h": block["lead_time_h"]["max"],
                "target_h": float(getattr((targets.down_h, targets.up_h)[flow], tier))})
    return pd.DataFrame(rows).astype({column: float for column in (
        "on_time_share", "p50_h", "p95_h", "max_h")})


@dataclass(frozen=True)
class LeadTail:
    """Where a lead-time axis ends and what lies beyond it."""

    end_h: float  # the first bin edge at or above the quantile
    beyond: int  # delivered parcels that took longer
    beyond_share: float  # of the delivered parcels
    longest_h: float | None
    not_through: int  # measured parcels still inside at the end of the run


def lead_tail(bins: pd.DataFrame, groups: pd.DataFrame, flow: str, quantile: float = 0.995,
              bin_h: float = LEAD_BIN_H) -> LeadTail:
    """The axis end of one flow's lead times at `quantile` (to the bin), and its tail."""
    counts = bins[bins["flow"] == flow].groupby("lead_h")["parcels"].sum().sort_index()
    totals = groups[(groups["flow"] == flow) & (groups["county"] == ALL_COUNTIES)]
    delivered = int(counts.sum())
    not_through = int(totals["parcels"].sum()) - delivered
    if not delivered:
        return LeadTail(bin_h, 0, 0.0, None, not_through)
    within = counts.cumsum()
    at = int(np.searchsorted(within.to_numpy(), quantile * delivered, side="left"))
    end_h = float(within.index[at]) + bin_h
    beyond = delivered - int(within.iloc[at])
    return LeadTail(end_h, beyond, beyond / delivered, float(totals["max_h"].max()),
                    not_through)


def lead_within(bins: pd.DataFrame, groups: pd.DataFrame, flow: str, by: Sequence[str],
                end_h: float, bin_h: float = LEAD_BIN_H) -> pd.DataFrame:
    """For each group of one flow (`by`: ["tier"], or ["county", "tier"]), the share of its
    measured parcels delivered within each whole bin up to `end_h` (`within`; those still
    inside count as not delivered, so at the target it is the on-time share) and in each
    bin (`in_bin`). `lead_h` is the bin's end."""
    edges = np.arange(1, round(end_h / bin_h) + 1)
    mine = bins[bins["flow"] == flow]
    measured = groups[(groups["flow"] == flow) & (
        groups["county"] != ALL_COUNTIES if "county" in by else
        groups["county"] == ALL_COUNTIES)].groupby(list(by))["parcels"].sum()
    measured = measured[measured > 0]
    frames = []
    for key, parcels in measured.items():
        key = key if isinstance(key, tuple) else (key,)
        group = mine[np.logical_and.reduce([mine[column] == value
                                            for column, value in zip(by, key, strict=True)])]
        counts = np.bincount((group["lead_h"] / bin_h).round().astype(np.int64),
                             weights=group["parcels"], minlength=len(edges) + 1)
        total = max(int(parcels), 1)
        frames.append(pd.DataFrame({
            **dict(zip(by, key, strict=True)), "lead_h": np.concatenate([[0.0], edges * bin_h]),
            "in_bin": np.concatenate([[0.0], counts[:len(edges)] / total]),
            "within": np.concatenate([[0.0], np.cumsum(counts)[:len(edges)] / total])}))
    columns = [*by, "lead_h", "in_bin", "within"]
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=columns)


def facility_days(results: Results) -> pd.DataFrame:
    """One row per facility (hub, parks, stations) and day of the whole run (warm-up and
    drain included; day 0 is `run.start_date`): parcels arriving and sorted, parcels in the
    facility (the day's mean and its largest hour-end count) and the sorting lines' busy
    share (sorted over what the lines can sort in the day's shifts; blank without shifts)."""
    output, load = results.output, results.load
    tree = output.network.tree
    hours = load.arrived.shape[1]
    starts = np.arange(0, hours, 24)
    lengths = np.diff(np.append(starts, hours))

    def daily(values: np.ndarray) -> np.ndarray:
        return np.add.reduceat(values, starts, axis=1)

    capacity = daily(output.sort_rate[load.nodes][:, None] * load.open_hours)
    done = daily(load.sorted)
    with np.errstate(divide="ignore", invalid="ignore"):
        busy = np.where(capacity > 0, done / capacity, np.nan)
    facilities, days = len(load.nodes), len(starts)
    return pd.DataFrame({
        "node": np.repeat(tree.ids[load.nodes].astype(str), days),
        "kind": np.repeat([NODE_KINDS[level] for level in tree.level[load.nodes]], days),
        "county": np.repeat(tree.county[load.nodes].astype(str), days),
        "day": np.tile(np.arange(days), facilities),
        "arrived": daily(load.arrived).ravel(), "sorted": done.ravel(),
        "parcels_mean": (daily(load.backlog.mean) / lengths).ravel(),
        "parcels_peak": np.maximum.reduceat(load.backlog.end, starts, axis=1).ravel(),
        "busy_share": busy.ravel(),
    })


def day_trips(trips: pd.DataFrame, route: str, day: int) -> pd.DataFrame:
    """The trips of one route (a `Results.trips()` frame) leaving its base on one day of the
    run, by vehicle and departure."""
    chosen = trips[(trips["route"] == route) & (trips["depart_h"] >= 24.0 * day)
                   & (trips["depart_h"] < 24.0 * (day + 1))]
    return chosen.sort_values(["vehicle", "depart_h"], ignore_index=True)


def busiest_day(trips: pd.DataFrame, route: str) -> int | None:
    """The day on which a route carried the most parcels (the first of equals)."""
    mine = trips[trips["route"] == route]
    if mine.empty:
        return None
    carried = (mine["down_parcels"] + mine["up_parcels"]).groupby(mine["depart_h"] // 24).sum()
    return int(carried.idxmax())


@dataclass(frozen=True)
class ChartTables:
    """The small tables a run's charts draw from, kept with the run."""

    lead_bins: pd.DataFrame
    lead_groups: pd.DataFrame
    facility_days: pd.DataFrame
    trips: pd.DataFrame


def chart_tables(results: Results) -> ChartTables:
    bins, groups = lead_tables(results)
    return ChartTables(lead_bins=bins, lead_groups=groups,
                       facility_days=facility_days(results), trips=results.trips())
