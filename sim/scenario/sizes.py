"""What a scenario will make, estimated from its inputs before anything is built.

Each estimate is cheap (sums over the node table and the calendar) and is checked against
the process's `Limits`, so a scenario asking for a billion parcels, a million lots or a base
with 20,000 villages is refused with a message in milliseconds, by `sim validate` too,
rather than after gigabytes are spent.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from sim.errors import ScenarioError
from sim.limits import Limits
from sim.scenario.calendar import day_multipliers, in_season
from sim.scenario.models import Scenario

# The tier each fleet takes parcels down to: one loop per node there at the most.
FLEET_TIER = {"trunk": "hub", "line_haul": "park", "township": "station", "village": "point",
              "courier": "park", "bus_township": "station", "bus_village": "point"}


def over_limit(limits: Limits, name: str, what: str, amount: float, source: str,
               field: str, advice: str = "") -> ScenarioError | None:
    """The error for an estimate over its limit, or None."""
    limit = getattr(limits, name)
    if amount <= limit:
        return None
    return ScenarioError(source, field, f"{what}: about {amount:,.0f}, more than the limit of "
                         f"{limit:,} ({limits.variable(name)}){advice}")


def node_counties(nodes: pd.DataFrame) -> np.ndarray:
    """Each node's county: the `county` of its park (the park's name where that is blank);
    blank above the parks."""
    label = nodes["county"].fillna("").where(nodes["county"].fillna("") != "",
                                             nodes["name"].fillna(""))
    return _down_the_tree(nodes, label, ("park", "station", "point"))


def node_cities(nodes: pd.DataFrame) -> np.ndarray:
    """Each node's city: the id of its hub (blank for the gateway)."""
    return _down_the_tree(nodes, nodes["id"], ("hub", "park", "station", "point"))


def _down_the_tree(nodes: pd.DataFrame, own: pd.Series, kinds: tuple[str, ...]) -> np.ndarray:
    """Each node's value of `own` at its ancestor of kind `kinds[0]` (its own, if of that
    kind), handed down tier by tier; blank above that kind."""
    parent = dict(zip(nodes["id"], nodes["parent"], strict=True))
    value: dict[str, str] = {}
    for kind in kinds:
        rows = nodes["kind"] == kind
        for node, mine in zip(nodes["id"][rows], own[rows], strict=True):
            value[node] = mine if kind == kinds[0] else value.get(parent[node], "")
    return np.array([value.get(node, "") for node in nodes["id"]], dtype=object)


def largest_city(nodes: pd.DataFrame, cities: np.ndarray) -> str:
    """The hub of the city with the most residents (`cities`: `node_cities(nodes)`): it
    makes the most parcels, the most one process of a run split by city holds."""
    below = cities != ""
    return str(nodes.loc[below, "population"].groupby(cities[below]).sum().idxmax())


def expected_parcels(config: Scenario, nodes: pd.DataFrame) -> float:
    """Mean number of parcels a run will draw."""
    demand = config.demand
    per_day = float(nodes["population"].sum()) * (demand.down_per_resident_day
                                                  + demand.up_per_resident_day)
    return per_day * float(day_multipliers(demand, config.run).sum())


def expected_lots(config: Scenario, nodes: pd.DataFrame) -> float:
    """An upper estimate of the goods lots a run will draw: each place makes its day's
    pallets and one remainder lot on every day in season."""
    if not config.products:
        return 0.0
    county = pd.Series(node_counties(nodes), index=nodes.index)
    total = 0.0
    for product in config.products:
        if product.flow in ("out", "in"):
            places = float(len(product.hubs))
        else:
            kind = "station" if product.per == "township" else "point"
            places = float(((nodes["kind"] == kind) & county.isin(product.counties)).sum())
            if product.flow == "down":
                places *= product.freezer_share
        days = float(in_season(product, config.run).sum())
        total += places * days * (product.per_day / product.units_per_pallet + 1.0)
    return total


def expected_departures(config: Scenario, nodes: pd.DataFrame) -> float:
    """An upper estimate of vehicle departures: every node a fleet serves on a loop of its
    own (one per carrier where a leg runs separately), each leaving at every cut-off, every
    day until the end; and every vehicle of the goods fleets at every departure."""
    days = config.run.days + config.run.drain_days
    counts = nodes["kind"].value_counts()
    operations = config.operations
    modes = [operations, *operations.counties.values(), *operations.townships.values()]
    carriers = len(config.carrier_names())
    total = 0.0
    for name, fleet in config.fleets.by_name().items():
        per_node = 1
        leg = {"township": "township", "village": "village"}.get(name)
        if leg and any(getattr(mode, leg) == "separate" for mode in modes):
            per_node = carriers
        total += counts.get(FLEET_TIER[name], 0) * per_node * len(fleet.departures)
    own_line_haul = sum(len(c.line_haul_departures or []) for c in config.carriers)
    total += counts.get("park", 0) * own_line_haul
    for hub in config.hubs:
        for fleet in (hub.fleets.line_haul, hub.fleets.collect, hub.fleets.distribute):
            if fleet is not None:
                total += fleet.vehicles * len(fleet.departures)
    return total * days


def check_sizes(config: Scenario, nodes: pd.DataFrame, limits: Limits, source: str,
                whole: bool = False) -> None:
    """Refuse a scenario whose run would make more than the limits allow: parcels (or
    `run.max_parcels`, a scenario's own lower ceiling), lots, vehicle departures, days.

    In a network of several cities, which can run apart (`sim.experiment.split`), parcels
    and departures are those of its largest city, the most one process holds, unless the
    scenario is to run `whole` in one process."""
    cities = node_cities(nodes)
    below = pd.Series(cities[cities != ""])
    if whole or below.nunique() < 2:
        _check_part(config, nodes, limits, source, "")
        return
    label = dict(zip(nodes["id"], nodes["name"].fillna(nodes["id"]), strict=True))
    # the city with the most residents makes the most parcels, the one with the most nodes
    # the most departures: two checks, however many cities
    for city in dict.fromkeys([largest_city(nodes, cities), below.value_counts().idxmax()]):
        _check_part(config, nodes[(cities == city) | (cities == "")], limits, source,
                    f" in the network of {label[city]}")


def _check_part(config: Scenario, nodes: pd.DataFrame, limits: Limits, source: str,
                where: str) -> None:
    run = config.run
    parcels = expected_parcels(config, nodes)
    checks = [
        over_limit(limits, "days", "days of demand", run.days, source, "run.days"),
        over_limit(limits, "parcels", f"parcels expected{where}", parcels, source, "demand",
                   "; lower the demand or the days"),
        over_limit(limits, "lots", "lots of goods expected", expected_lots(config, nodes),
                   source, "products", "; lower the products' per_day or the days"),
        over_limit(limits, "departures", f"vehicle departures expected{where}",
                   expected_departures(config, nodes), source, "fleets",
                   "; lower the departures or the days"),
    ]
    for error in checks:
        if error is not None:
            raise error
    if parcels > run.max_parcels:
        raise ScenarioError(source, "run.max_parcels", f"about {parcels:,.0f} parcels "
                            f"expected{where}, more than this scenario's own run.max_parcels "
                            f"({run.max_parcels:,})")


