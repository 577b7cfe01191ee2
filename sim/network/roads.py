"""The road graph: explicit roads or roads derived from coordinates, and shortest paths.

The graph lives in networkx (easy to build, check and inspect); bulk shortest paths run in
scipy's compiled Dijkstra on the same graph, because a city has thousands of village legs.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import networkx as nx
import numpy as np
import pandas as pd
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import dijkstra

from sim.errors import ScenarioError
from sim.network.tree import GATEWAY, Tree
from sim.scenario.models import NODE_KINDS, NetworkSettings

EARTH_RADIUS_KM = 6371.0088


def great_circle_km(
    lon1: np.ndarray, lat1: np.ndarray, lon2: np.ndarray, lat2: np.ndarray
) -> np.ndarray:
    """Haversine distance in km."""
    lon1, lat1, lon2, lat2 = (np.radians(np.asarray(a, dtype=np.float64)) for a in
                              (lon1, lat1, lon2, lat2))
    a = (np.sin((lat2 - lat1) / 2) ** 2
         + np.cos(lat1) * np.cos(lat2) * np.sin((lon2 - lon1) / 2) ** 2)
    return 2 * EARTH_RADIUS_KM * np.arcsin(np.sqrt(np.clip(a, 0.0, 1.0)))


@dataclass(frozen=True)
class Leg:
    """A shortest road path between two nodes: its km on each road class, and the km it
    takes the time of (longer where roads are slowed: km / speed factor)."""

    km_by_class: np.ndarray
    timed_km_by_class: np.ndarray | None = None

    @property
    def km(self) -> float:
        return float(self.km_by_class.sum())

    def hours(self, class_speed_kmh: np.ndarray, top_speed_kmh: float) -> float:
        timed = self.km_by_class if self.timed_km_by_class is None else self.timed_km_by_class
        return float((timed / np.minimum(class_speed_kmh, top_speed_kmh)).sum())


class Roads:
    """Undirected road graph over node indices, with per-class speeds.

    `links` are further roads (u, v, km, road class) kept beside `graph`, possibly to nodes
    after its last: a graph shared with other Roads then needs no copy to grow. `factors`
    slow roads ((u, v) -> share of their speed) or close them (0): see `disrupted`.
    """

    def __init__(self, graph: nx.Graph, class_names: Sequence[str], class_speed: np.ndarray,
                 links: Sequence[tuple[int, int, float, str]] = (),
                 factors: dict[tuple[int, int], float] | None = None):
        self.graph = graph
        self.links = list(links)
        self.class_names = list(class_names)
        self.class_speed = class_speed
        self.factors = dict(factors or {})
        self._class_index = {name: i for i, name in enumerate(self.class_names)}
        speed = dict(zip(self.class_names, class_speed, strict=True))
        roads = [(u, v, data["km"], data["road_class"], data["hours"])
                 for u, v, data in graph.edges(data=True)]
        roads += [(u, v, km, road_class, km / speed[road_class])
                  for u, v, km, road_class in self.links]
        # (from, to) -> class, km, speed factor
        self._km_of: dict[tuple[int, int], tuple[int, float, float]] = {}
        rows, cols, hours = [], [], []
        for u, v, km, road_class, h in roads:
            factor = self.factors.get((min(u, v), max(u, v)), 1.0)
            if factor <= 0:
                continue  # closed
            rows += [u, v]
            cols += [v, u]
            hours += [h / factor, h / factor]
            self._km_of[u, v] = self._km_of[v, u] = (self._class_index[road_class], km, factor)
        n = max([graph.number_of_nodes(), *(max(u, v) + 1 for u, v, _, _ in self.links)])
        self._matrix = csr_matrix((hours, (rows, cols)), shape=(n, n))
        matrix = self._matrix.tocoo()
        self._road_from, self._road_to, self._road_hours = matrix.row, matrix.col, matrix.data

    def shortest_from(self, sources: Sequence[int], limit: float = np.inf
                      ) -> tuple[np.ndarray, np.ndarray]:
        """Hours and predecessors of fastest paths (at road-class speeds) from each source;
        nodes more than `limit` hours away are left unreached."""
        hours, predecessors = dijkstra(
            self._matrix, directed=True, indices=list(sources), return_predecessors=True,
            limit=limit,
        )
        return hours, predecessors

    def shortest_among(self, nodes: Sequence[int], reach: Sequence[int] = ()
                       ) -> tuple[np.ndarray, np.ndarray]:
        """`shortest_from(nodes)` where only the paths between `nodes`, and from them to
        `reach`, are wanted: entries for other destinations may be left unreached (inf
        hours, no predecessor).

        The first node's search runs in full. A path from a node to another is no slower
        than through the first, so the other searches stop at the farthest node plus the
        farthest target: the same paths with far less search. A search that reaches a node
        by two equally fast roads could pick the other one once cut short, so such rows are
        searched in full.
        """
        nodes = np.asarray(nodes)
        targets = np.concatenate((nodes, np.asarray(reach, dtype=nodes.dtype)))
        first_hours, first_predecessors = self.shortest_from(nodes[:1])
        farthest_node, farthest_target = first_hours[0, nodes].max(), first_hours[0, targets].max()
        bound = (farthest_node + farthest_target) * (1 + 1e-9)  # margin for rounding
        hours, predecessors = self.shortest_from(nodes[1:], limit=bound)
        tied = self._tied_rows(hours)
        if tied.any():
            hours[tied], predecessors[tied] = self.shortest_from(nodes[1:][tied])
        return np.vstack((first_hours, hours)), np.vstack((first_predecessors, predecessors))

    def _tied_rows(self, hours: np.ndarray) -> np.ndarray:
        """Searches (rows of `hours`) that reach some node by two equally fast roads."""
        reached = np.isfinite(hours)
        near = reached.any(axis=0)
        among = near[self._road_from] & near[self._road_to]
        start, end = self._road_from[among], self._road_to[among]
        fastest = (hours[:, start] + self._road_hours[among] == hours[:, end]) & reached[:, end]
        # every reached node but the source arrives by its predecessor's road; more is a tie
        return fastest.sum(axis=1) > reached.sum(axis=1) - 1

    def leg(self, predecessors_row: np.ndarray, source: int, target: int) -> Leg:
        """Walk one predecessor row back from target to source, adding km per road class."""
        km_by_class = np.zeros(len(self.class_names))
        timed = km_by_class.copy() if self.factors else None
        node = target
        while node != source:
            previous = int(predecessors_row[node])
            if previous < 0:
                raise NoRoad(f"no road from node {source} to node {target}")
            road_class, km, factor = self._km_of[previous, node]
            km_by_class[road_class] += km
            if timed is not None:
                timed[road_class] += km / factor
            node = previous
        return Leg(km_by_class, timed)

    def disrupted(self, factors: dict[tuple[int, int], float]) -> Roads:
        """These roads with some slowed to a share of their speed, or closed (0); keys are
        (u, v) with u < v. Paths then go round closed roads where they can."""
        return Roads(self.graph, self.class_names, self.class_speed, self.links, factors)

    def road_ends(self) -> tuple[np.ndarray, np.ndarray, list[str]]:
        """Every road of the graph once: its two ends (u < v) and its road class."""
        ends = [(min(u, v), max(u, v), data["road_class"])
                for u, v, data in self.graph.edges(data=True)]
        u, v, classes = zip(*ends, strict=True) if ends else ((), (), ())
        return np.array(u, dtype=np.int64), np.array(v, dtype=np.int64), list(classes)


class NoRoad(ValueError):
    """No open road joins two nodes (all closed, or never built)."""


def build_roads(
    tree: Tree, settings: NetworkSettings, roads: pd.DataFrame | None, roads_file: str
) -> Roads:
    """Explicit roads when given, else derived; every node must reach its parent."""
    class_names = list(settings.road_classes)
    class_speed = np.array([settings.road_classes[c].speed_kmh for c in class_names])
    graph = nx.Graph()
    graph.add_nodes_from(range(tree.size))
    if roads is None:
        edges = _derived_edges(tree, settings)
    else:
        edges = _explicit_edges(tree, settings, roads)
    speed = dict(zip(class_names, class_speed, strict=True))
    for u, v, km, road_class in edges:
        hours = km / speed[road_class]
        if graph.has_edge(u, v) and graph.edges[u, v]["hours"] <= hours:
            continue  # keep the fastest of parallel roads
        graph.add_edge(u, v, km=km, road_class=road_class, hours=hours)
    _check_connected(tree, graph, roads_file)
    return Roads(graph, class_names, class_speed)


def _explicit_edges(
    tree: Tree, settings: NetworkSettings, roads: pd.DataFrame
) -> list[tuple[int, int, float, str]]:
    index = tree.index_of()
    u = roads["source"].map(index).to_numpy()
    v = roads["target"].map(index).to_numpy()
    km = roads["km"].to_numpy(dtype=np.float64).copy()
    missing = np.isnan(km)
    km[missing] = settings.derive.circuity * great_circle_km(
        tree.lon[u[missing]], tree.lat[u[missing]], tree.lon[v[missing]], tree.lat[v[missing]]
    )
    km = np.maximum(km, 0.01)
    return list(zip(u.tolist(), v.tolist(), km.tolist(), roads["road_class"], strict=True))


def _derived_edges(tree: Tree, settings: NetworkSettings) -> list[tuple[int, int, float, str]]:
    """A road from each node to its parent, plus links to its nearest siblings."""
    derive = settings.derive
    edges: list[tuple[int, int, float, str]] = []
    child = np.flatnonzero(tree.parent >= 0)
    parent = tree.parent[child]
    km = derive.circuity * great_circle_km(
        tree.lon[child], tree.lat[child], tree.lon[parent], tree.lat[parent]
    )
    classes = [derive.link_classes.get(NODE_KINDS[level], "") for level in tree.level[child]]
    default_class = next(iter(settings.road_classes))
    classes = [c or default_class for c in classes]
    edges += zip(child.tolist(), parent.tolist(), np.maximum(km, 0.01).tolist(), classes,
                 strict=True)
    if derive.sibling_links:
        for siblings in tree.children():
            if len(siblings) < 2:
                continue
            edges += _nearest_links(tree, siblings, derive.sibling_links, derive.circuity,
                                    derive.link_classes, default_class)
    return edges


def _nearest_links(
    tree: Tree,
    siblings: np.ndarray,
    k: int,
    circuity: float,
    link_classes: dict[str, str],
    default_class: str,
) -> list[tuple[int, int, float, str]]:
    lon, lat = tree.lon[siblings], tree.lat[siblings]
    dist = circuity * great_circle_km(lon[:, None], lat[:, None], lon[None, :], lat[None, :])
    np.fill_diagonal(dist, np.inf)
    nearest = np.argsort(dist, axis=1, kind="stable")[:, : min(k, len(siblings) - 1)]
    road_class = link_classes.get(NODE_KINDS[tree.level[siblings[0]]], default_class)
    links = []
    for i, row in enumerate(nearest):
        for j in row:
            if i < j or i not in nearest[j]:  # each undirected link once
                links.append((int(siblings[i]), int(siblings[j]), max(float(dist[i, j]), 0.01),
                              road_class))
    return links


def _check_connected(tree: Tree, graph: nx.Graph, roads_file: str) -> None:
    component = np.empty(tree.size, dtype=np.int64)
    for label, members in enumerate(nx.connected_components(graph)):
        component[list(members)] = label
    for node in range(tree.size):
        parent = tree.parent[node]
        if tree.level[node] == GATEWAY or component[node] == component[parent]:
            continue
        kind, parent_kind = NODE_KINDS[tree.level[node]], NODE_KINDS[tree.level[parent]]
        raise ScenarioError(
            roads_file,
            f"node {tree.ids[node]}",
            f"no road links this {kind} to its {parent_kind} {tree.ids[parent]}",
        )
