"""A network's cities as parts that run apart, and what would join them.

Below the gateway each hub's subtree is one city. Two cities share nothing when every
vehicle, line, shelf and random stream of one serves only it: the trunk then runs a loop of
its own to each hub (`loop_per_stop`, with vehicles sized for that hub), every route below a
hub stays in its subtree, and each stream is keyed by a node's or a route's own name. A part
is then the whole scenario cut to the gateway and one city: it draws the same parcels, runs
the same loops and makes the same stamps as that city does inside the whole run.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from sim.scenario.loader import LoadedScenario
from sim.scenario.sizes import check_sizes, node_cities


@dataclass(frozen=True)
class Part:
    """One city: its hub, the hub's name, and its rows of the whole node table (the
    gateway's first)."""

    hub: str
    name: str
    rows: np.ndarray


def city_parts(scenario: LoadedScenario) -> list[Part]:
    """Each hub's subtree with the gateway, in the node table's order of the hubs."""
    nodes = scenario.nodes
    cities = node_cities(nodes)
    gateway = np.flatnonzero((nodes["kind"] == "gateway").to_numpy())
    hubs = nodes.loc[nodes["kind"] == "hub", ["id", "name"]]
    return [Part(hub=str(hub), name=str(name) if isinstance(name, str) and name else str(hub),
                 rows=np.union1d(gateway, np.flatnonzero(cities == hub)))
            for hub, name in zip(hubs["id"], hubs["name"], strict=True)]


def coupling(scenario: LoadedScenario, parts: list[Part]) -> str | None:
    """What joins the cities so that they cannot run apart, in words, or None."""
    config = scenario.config
    if config.hubs or config.products:
        return ("goods other than parcels (hubs, products): their hubs and freight fleets "
                "serve places in more than one city")
    if config.disruptions.any:
        return ("disruptions: their cost is measured against the whole network run "
                "undisrupted")
    if not config.fleets.trunk.loop_per_stop:
        gateway = scenario.nodes.loc[scenario.nodes["kind"] == "gateway", "id"].iloc[0]
        return (f"fleets.trunk: the trunk vehicles at {gateway} are shared by the "
                f"{len(parts)} cities' hubs, and a loop may serve several of them "
                "(set fleets.trunk.loop_per_stop: true to give each hub its own)")
    roads = scenario.roads
    if roads is not None:
        city = dict(zip(scenario.nodes["id"], node_cities(scenario.nodes), strict=True))
        for u, v in zip(roads["source"], roads["target"], strict=True):
            if city.get(u, "") and city.get(v, "") and city[u] != city[v]:
                return f"the road {u}-{v} joins {city[u]} and {city[v]}"
    return None


def part_scenario(scenario: LoadedScenario, part: Part) -> LoadedScenario:
    """The scenario cut to the gateway and one city; its sizes checked on their own."""
    nodes = scenario.nodes.iloc[part.rows].reset_index(drop=True)
    roads = scenario.roads
    if roads is not None:
        kept = set(nodes["id"])
        inside = roads["source"].isin(kept) & roads["target"].isin(kept)
        roads = roads[inside].reset_index(drop=True)
    cut = replace(scenario, nodes=nodes, roads=roads, tables={})
    check_sizes(cut.config, cut.nodes, scenario.files.limits, scenario.label())
    return cut
