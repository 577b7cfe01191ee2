"""The tier tree as numpy arrays: node index -> kind level, parent, ancestors, county.

Levels run gateway 0, hub 1, park 2, station 3, point 4, so the hop a downward parcel takes
from a facility at level L is its destination's ancestor at level L + 1.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from sim.scenario.models import NODE_KINDS
from sim.scenario.sizes import node_counties

LEVEL = {kind: level for level, kind in enumerate(NODE_KINDS)}
GATEWAY, HUB, PARK, STATION, POINT = (LEVEL[k] for k in NODE_KINDS)


@dataclass(frozen=True)
class Tree:
    """Node attributes by integer index, in the order of the node table."""

    ids: np.ndarray  # object, node id strings
    names: np.ndarray  # object
    level: np.ndarray  # int8, LEVEL of the node's kind
    parent: np.ndarray  # int32, -1 for the gateway
    lon: np.ndarray
    lat: np.ndarray
    population: np.ndarray  # int64, residents served at this node
    county: np.ndarray  # object, county label of the park above (or "" above parks)
    ancestors: np.ndarray  # int32 (5, n): ancestors[level, node], -1 where none

    @property
    def size(self) -> int:
        return len(self.ids)

    def index_of(self) -> dict[str, int]:
        return {node_id: i for i, node_id in enumerate(self.ids)}

    def children(self) -> list[np.ndarray]:
        """Child indices of every node, in node-table order."""
        order = np.argsort(self.parent, kind="stable")
        parents = self.parent[order]
        bounds = np.searchsorted(parents, np.arange(self.size + 1))
        return [order[bounds[i] : bounds[i + 1]] for i in range(self.size)]

    def of_level(self, level: int) -> np.ndarray:
        return np.flatnonzero(self.level == level)

    def subtree_sum(self, values: np.ndarray) -> np.ndarray:
        """Each node's value plus those of every node below it."""
        total = np.zeros(self.size)
        for row in self.ancestors:
            has = row >= 0
            total += np.bincount(row[has], weights=values[has], minlength=self.size)
        return total

    def subtree_population(self) -> np.ndarray:
        """Residents served at each node or anywhere below it."""
        return self.subtree_sum(self.population).astype(np.int64)


def build_tree(nodes: pd.DataFrame) -> Tree:
    """Arrays from a node table already checked by `sim.scenario.loader.check_tree`."""
    ids = nodes["id"].to_numpy(dtype=object)
    index = {node_id: i for i, node_id in enumerate(ids)}
    level = nodes["kind"].map(LEVEL).to_numpy(dtype=np.int8)
    parent = np.array([index.get(p, -1) if p is not None else -1 for p in nodes["parent"]],
                      dtype=np.int32)
    ancestors = np.full((len(NODE_KINDS), len(ids)), -1, dtype=np.int32)
    ancestors[level, np.arange(len(ids))] = np.arange(len(ids), dtype=np.int32)
    # walk up one tier at a time: at most four hops
    current = np.arange(len(ids), dtype=np.int32)
    for _ in range(len(NODE_KINDS) - 1):
        has_parent = current >= 0
        current = np.where(has_parent, parent[np.maximum(current, 0)], -1)
        valid = current >= 0
        ancestors[level[current[valid]], np.flatnonzero(valid)] = current[valid]
    return Tree(
        ids=ids,
        names=nodes["name"].fillna("").to_numpy(dtype=object),
        level=level,
        parent=parent,
        lon=nodes["lon"].to_numpy(dtype=np.float64),
        lat=nodes["lat"].to_numpy(dtype=np.float64),
        population=nodes["population"].to_numpy(dtype=np.int64),
        county=node_counties(nodes),
        ancestors=ancestors,
    )
