"""Where and when a disruption holds, read against the node table.

The loader calls `check_disruptions` so that an unknown node, county, township, road class,
fleet or hub, or a period outside the run, is a `ScenarioError` before anything runs; the
engine reads the same masks and hours through `area_nodes` and `period_hours`.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import shapely

from sim.errors import ScenarioError
from sim.scenario.disruptions import Area, Period
from sim.scenario.models import Scenario
from sim.scenario.sizes import node_counties

FIELD = "disruptions"


class NodeTable:
    """What an area is matched against: ids, names, kinds, counties and townships."""

    def __init__(self, nodes: pd.DataFrame) -> None:
        self.ids = nodes["id"].to_numpy(dtype=object)
        self.names = nodes["name"].fillna("").to_numpy(dtype=object)
        self.kinds = nodes["kind"].to_numpy(dtype=object)
        self.counties = node_counties(nodes)
        self.lon = nodes["lon"].to_numpy(dtype=np.float64)
        self.lat = nodes["lat"].to_numpy(dtype=np.float64)
        parent = dict(zip(nodes["id"], nodes["parent"], strict=True))
        # each station's own id for it and the points below it
        self.township = np.array([node if kind == "station" else
                                  (parent[node] if kind == "point" else "")
                                  for node, kind in zip(self.ids, self.kinds, strict=True)],
                                 dtype=object)
        # the nodes each id or name stands for (names may repeat), looked up in one step
        self._rows: dict[str, list[int]] = {}
        for row, (node, name) in enumerate(zip(self.ids, self.names, strict=True)):
            self._rows.setdefault(node, []).append(row)
            if name and name != node:
                self._rows.setdefault(name, []).append(row)

    def named(self, names: list[str], file: str, field: str, kinds: tuple[str, ...] = ()
              ) -> np.ndarray:
        """Nodes whose id or name is one of `names` (of `kinds`, if given)."""
        mask = np.zeros(len(self.ids), dtype=bool)
        for name in names:
            rows = [row for row in self._rows.get(name, ())
                    if not kinds or self.kinds[row] in kinds]
            if not rows:
                what = f"{' or '.join(kinds)} " if kinds else "node "
                raise ScenarioError(file, field, f"unknown {what}{name!r}")
            mask[rows] = True
        return mask


def area_nodes(area: Area, table: NodeTable, file: str, field: str) -> np.ndarray:
    """A mask of the nodes in `area`: every scope given must hold."""
    mask = np.ones(len(table.ids), dtype=bool)
    if area.counties:
        known = set(table.counties.tolist()) - {""}
        for county in area.counties:
            if county not in known:
                raise ScenarioError(file, f"{field}.counties", f"unknown county {county!r} "
                                    f"(known: {', '.join(sorted(known))})")
        mask &= np.isin(table.counties, area.counties)
    if area.townships:
        stations = table.named(area.townships, file, f"{field}.townships", ("station",))
        mask &= np.isin(table.township, table.ids[stations])
    if area.nodes:
        mask &= table.named(area.nodes, file, f"{field}.nodes")
    if area.polygon is not None:
        polygon = shapely.Polygon(area.polygon)
        if not polygon.is_valid or polygon.area == 0:
            raise ScenarioError(file, f"{field}.polygon", "the corners do not make an area "
                                "(they cross or lie on a line)")
        mask &= shapely.contains_xy(polygon, table.lon, table.lat)
    return mask


def hours_since_start(config: Scenario, moment: dt.datetime) -> float:
    """Simulated hours from day 0's midnight to `moment`."""
    start = dt.datetime.combine(config.run.start_date, dt.time())
    return (moment - start).total_seconds() / 3600.0


def period_hours(config: Scenario, period: Period, file: str, field: str
                 ) -> tuple[float, float]:
    """A period in simulated hours; one that misses the run is an error."""
    end_h = (config.run.days + config.run.drain_days) * 24.0
    start, end = hours_since_start(config, period.start), hours_since_start(config, period.end)
    if start >= end_h or end <= 0:
        last = dt.datetime.combine(config.run.start_date, dt.time()) + dt.timedelta(hours=end_h)
        raise ScenarioError(file, f"{field}.start", f"{period.start:%Y-%m-%d %H:%M} to "
                            f"{period.end:%Y-%m-%d %H:%M} lies outside the run "
                            f"({config.run.start_date} to {last:%Y-%m-%d %H:%M})")
    return max(start, 0.0), min(end, end_h)


def check_disruptions(config: Scenario, nodes: pd.DataFrame, file: str) -> None:
    """Every name a disruption uses is known and every period meets the run."""
    disruptions = config.disruptions
    if not disruptions.any:
        return
    table = NodeTable(nodes)
    classes = list(config.network.road_classes)
    fleets = list(config.fleets.by_name())
    hubs = [hub.name for hub in config.hubs if hub.role == "cold_chain_base"]  # cold stores
    for section in ("roads", "facilities", "closures", "fleets", "arrivals", "power"):
        for number, item in enumerate(getattr(disruptions, section)):
            field = f"{FIELD}.{section}.{number}"
            period_hours(config, item, file, field)
            if isinstance(item, Area):
                area_nodes(item, table, file, field)
            _check_known(getattr(item, "road_classes", []), classes, file, f"{field}.road_classes",
                         "road class")
            for pair, ends in enumerate(getattr(item, "between", [])):
                table.named(list(ends), file, f"{field}.between.{pair}")
            _check_known([getattr(item, "fleet", None)] if hasattr(item, "fleet") else [],
                         fleets, file, f"{field}.fleet", "fleet")
            _check_known(getattr(item, "hubs", []), hubs, file, f"{field}.hubs", "hub")
            if section == "fleets":
                table.named(item.bases, file, f"{field}.bases")
                area_nodes(Area(counties=item.counties), table, file, field)
    random = disruptions.random
    for number, item in enumerate(random.breakdowns):
        _check_known([item.fleet], fleets, file, f"{FIELD}.random.breakdowns.{number}.fleet",
                     "fleet")
    for number, item in enumerate(random.power_cuts):
        _check_known(item.hubs, hubs, file, f"{FIELD}.random.power_cuts.{number}.hubs", "hub")
    for section in ("outages", "weather"):
        for number, item in enumerate(getattr(random, section)):
            field = f"{FIELD}.random.{section}.{number}"
            area_nodes(item, table, file, field)
            _check_known(getattr(item, "road_classes", []), classes, file,
                         f"{field}.road_classes", "road class")


def _check_known(names: list[str], known: list[str], file: str, field: str, what: str) -> None:
    for name in names:
        if name not in known:
            raise ScenarioError(file, field, f"unknown {what} {name!r} (known: "
                                f"{', '.join(known)})")
