"""A province's run as the app keeps it: its cities run apart and merged, and what the
province view draws of it, by city and by county, small enough to keep for the session.

The cities run on a local pool, one process per city at a time (`api.run_by_city`), so no
process holds more than the largest city, within the server's ceilings per city; no parcel
table is written. The merged summary has the layout of a single run's, so the cards and the
answers read it as they read any run.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime

import pandas as pd

from sim import api
from sim.experiment.kpis import flatten
from sim.experiment.split.merge import MergedResults, merge
from sim.scenario import LoadedScenario, sizes, with_overrides
from sim.scenario.sizes import expected_parcels, node_cities, node_counties
from sim.ui.maps import Boundaries, read_boundaries

MIN_WORKERS = 2  # one worker would run the province whole, in one process: never in the app


@dataclass(frozen=True)
class ProvinceRecord:
    label: str
    overrides: tuple[str, ...]
    scenario_key: str  # the scenario's content key, as a RunRecord's
    summary: dict  # summary.json's layout, merged over the cities
    kpis: dict[str, float]  # flat: dotted key -> value
    targets: dict[str, dict[str, float]]  # hours by flow ("down_h", "up_h") and tier
    cities: pd.DataFrame  # hub, name, counties, parcels, on_time_rate, p95_h, cost_per_parcel
    counties: pd.DataFrame  # name, city, hub, parcels, per_day, inside, on_time_rate, p95_h,
    # lon, lat: one row per county, at its park
    places: pd.DataFrame  # id, name, kind, lon, lat of the gateway and the city hubs
    boundaries: Boundaries  # the county polygons beside the node table, if any
    largest: tuple[str, float]  # the city expecting the most parcels, and how many
    made: datetime


def measured_days(summary: dict) -> float:
    """Days of the measured window (warm-up and drain left out)."""
    start, end = summary["run"]["measured_hours"]
    return (end - start) / 24


def execute_province(scenario: LoadedScenario, label: str, overrides: Sequence[str],
                     progress: Callable[[int, int], None] | None = None,
                     key: str = "") -> ProvinceRecord:
    """Run every city apart with the levers, on the server's cores, and keep what the
    province view shows; `progress(done, total)` counts the cities run."""
    scenario = with_overrides(scenario, overrides)
    merged = api.run_by_city(scenario, workers=max(os.cpu_count() or 1, MIN_WORKERS),
                             parcels=False, progress=progress)
    nodes = scenario.nodes
    hubs = nodes[nodes["kind"].isin(["gateway", "hub"])]
    return ProvinceRecord(
        label=label, overrides=tuple(overrides), scenario_key=key or label,
        summary=merged.summary, kpis=flatten(merged.summary),
        targets={flow: getattr(scenario.config.targets, flow).model_dump()
                 for flow in ("down_h", "up_h")},
        cities=city_table(merged), counties=county_table(scenario, merged.summary),
        places=hubs[["id", "name", "kind", "lon", "lat"]].reset_index(drop=True),
        boundaries=read_boundaries(scenario), largest=largest_city(scenario),
        made=datetime.now().astimezone())


def city_table(merged: MergedResults) -> pd.DataFrame:
    """One row per city, each worked out as its own run (its parcels, its lead times, its
    routes' and sorting's costs), in the node table's order."""
    rows = []
    for part in merged.parts:
        summary = merge(merged.scenario, [part]).summary
        rows.append({"hub": part.hub, "name": part.name, "counties": len(part.by_county),
                     "parcels": summary["parcels"]["measured"],
                     "on_time_rate": summary["on_time_rate"],
                     "p95_h": summary["lead_time_h"]["p95"],
                     "cost_per_parcel": summary["cost"]["per_delivered_parcel"]})
    return pd.DataFrame(rows)


def county_table(scenario: LoadedScenario, summary: dict) -> pd.DataFrame:
    """One row per county of summary.json's by_county, at its park (the first, where a
    county has several), with its city, in the node table's order."""
    nodes = scenario.nodes
    counties, cities = node_counties(nodes), node_cities(nodes)
    names = dict(zip(nodes["id"], nodes["name"].fillna(nodes["id"]), strict=True))
    days = measured_days(summary)
    rows, seen = [], set()
    parks = (nodes["kind"] == "park").to_numpy()
    for county, hub, lon, lat in zip(counties[parks], cities[parks], nodes["lon"][parks],
                                     nodes["lat"][parks], strict=True):
        block = summary["by_county"].get(county)
        if block is None or county in seen:
            continue
        seen.add(county)
        rows.append({"name": county, "city": names.get(hub, hub), "hub": hub,
                     "parcels": block["parcels"],
                     "per_day": block["parcels"] / days if days else float("nan"),
                     "inside": block["parcels"] - block["delivered"],
                     "on_time_rate": block["on_time_rate"],
                     "p95_h": block["lead_time_h"]["p95"], "lon": lon, "lat": lat})
    return pd.DataFrame(rows)


def largest_city(scenario: LoadedScenario) -> tuple[str, float]:
    """The city whose run expects the most parcels, by name, and how many: the most one
    process of the province's run holds, which the server's ceiling bounds."""
    nodes = scenario.nodes
    cities = node_cities(nodes)
    hub = sizes.largest_city(nodes, cities)
    name = nodes.loc[nodes["id"] == hub, "name"].fillna(hub).iloc[0]
    return str(name), expected_parcels(scenario.config, nodes[cities == hub])
