"""Small tables for pictures: lead-time histograms, nodes and route legs for a map.

They summarise a run's results (which can hold millions of parcels) into a few thousand
rows, so an app or a notebook can draw them at once.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from sim.network import POINT
from sim.results.summary import Results
from sim.scenario.models import NODE_KINDS, SERVED_TIERS


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


def node_view(results: Results) -> pd.DataFrame:
    """One row per node: where it is, its residents' mean lead time and how busy it is."""
    output = results.output
    tree, outcomes = output.network.tree, results.outcomes
    rows = outcomes.measured & ~np.isnan(outcomes.lead_h)
    counts = np.bincount(outcomes.resident[rows], minlength=tree.size)
    sums = np.bincount(outcomes.resident[rows], weights=outcomes.lead_h[rows],
                       minlength=tree.size)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean_lead = np.where(counts > 0, sums / np.maximum(counts, 1), np.nan)
    busy = np.full(tree.size, np.nan)
    table = results.bottlenecks
    sorting = table[table["kind"] == "sorting line"]
    index = tree.index_of()
    for resource, utilisation in zip(sorting["resource"], sorting["utilisation"], strict=True):
        busy[index[resource.removeprefix("sorting:")]] = utilisation
    points = tree.of_level(POINT)
    slots = output.shelf_slots[points]
    busy[points] = np.where(slots > 0, output.shelf_peak[points] / np.maximum(slots, 1), 1.0)
    nodes = pd.DataFrame({
        "id": tree.ids.astype(str), "name": tree.names.astype(str),
        "kind": [NODE_KINDS[level] for level in tree.level],
        "county": tree.county.astype(str), "lon": tree.lon, "lat": tree.lat,
        "parcels": counts, "mean_lead_h": mean_lead, "utilisation": busy,
    })
    if output.goods is None:
        return nodes
    return pd.concat([nodes, _goods_hubs(results)], ignore_index=True)


def _goods_hubs(results: Results) -> pd.DataFrame:
    """The goods hubs as map nodes, busy as their cold store (or else their dock) is."""
    hubs = results.summary["cold_chain"]["hubs"]
    rows = []
    for hub in results.output.goods.plan.hubs:
        block = hubs[hub.name]
        store = block.get("cold_storage") or {}
        use = store.get("utilisation")
        rows.append({"id": hub.name, "name": hub.label or hub.name, "kind": "hub",
                     "county": hub.role, "lon": hub.lon, "lat": hub.lat, "parcels": 0,
                     "mean_lead_h": np.nan,
                     "utilisation": block["handling_utilisation"] if use is None else use})
    return pd.DataFrame(rows)


def edge_view(results: Results) -> pd.DataFrame:
    """One row per leg of every vehicle loop, with the parcels its route carries a day."""
    output, window = results.output, results.window
    tree = output.network.tree
    routes = results.routes.set_index("route")
    rows = []
    for route in output.network.routes:
        path = [route.base, *route.stops.tolist(), route.base]
        per_day = routes.loc[route.name, "carried"] / window.days if window.days else 0.0
        rows += _legs(route.name, route.fleet, path, route.leg_km, tree.lon, tree.lat,
                      per_day, "parcels")
    if output.goods is not None:
        rows += _goods_legs(results)
    return pd.DataFrame(rows, columns=["route", "fleet", "from_lon", "from_lat", "to_lon",
                                       "to_lat", "km", "per_day", "unit"])


def _legs(route: str, fleet: str, path: list[int], leg_km: np.ndarray, lon: np.ndarray,
          lat: np.ndarray, per_day: float, unit: str) -> list[dict]:
    return [{"route": route, "fleet": fleet, "from_lon": lon[a], "from_lat": lat[a],
             "to_lon": lon[b], "to_lat": lat[b], "km": float(km), "per_day": float(per_day),
             "unit": unit}
            for a, b, km in zip(path, path[1:], leg_km, strict=False) if a != b]


def _goods_legs(results: Results) -> list[dict]:
    """Each goods fleet's zones as loops from its hub, with the pallets it carried a day."""
    output, window = results.output, results.window
    goods, tree = output.goods, output.network.tree
    hubs = goods.plan.hubs
    lon = np.concatenate([tree.lon, [h.lon for h in hubs]])
    lat = np.concatenate([tree.lat, [h.lat for h in hubs]])
    trips = goods.trips
    rows = []
    for fleet in goods.plan.fleets:
        site = int(goods.plan.hub_site[fleet.hub])
        mine = trips[trips["fleet"] == fleet.name]
        carried = (mine["pallets_out"] + mine["pallets_back"]).groupby(mine["zone"]).sum()
        kind = "reefer" if fleet.spec.refrigerated else "freight truck"
        for zone in fleet.zones:
            per_day = carried.get(zone.name, 0.0) / window.days if window.days else 0.0
            rows += _legs(f"{fleet.name}:{zone.name}", kind,
                          [site, *zone.stops.tolist(), site], zone.leg_km, lon, lat,
                          per_day, "pallets")
    return rows
