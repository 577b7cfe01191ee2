"""Network building: roads, reachability, sector loops."""

from __future__ import annotations

from itertools import pairwise

import networkx as nx
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sim import api
from sim.network import POINT, STATION, build_network, with_loops
from sim.network.roads import Roads
from sim.network.routes import _greedy_cycle, sweep_partition, tour_order
from sim.scenario import load_scenario

from .conftest import KAIFENG, TUTORIAL


def test_every_child_is_on_exactly_one_loop_of_its_parent():
    network = build_network(load_scenario(KAIFENG))
    tree = network.tree
    for level, fleet in ((STATION, "township"), (POINT, "village")):
        stops = np.concatenate([r.stops for r in network.routes if r.fleet == fleet])
        assert sorted(stops.tolist()) == tree.of_level(level).tolist()
        for route in (r for r in network.routes if r.fleet == fleet):
            assert (tree.parent[route.stops] == route.base).all()
    # a base with V vehicles and C children runs min(V, C) loops
    for station in tree.of_level(STATION):
        loops = [r for r in network.routes if r.fleet == "village" and r.base == station]
        vehicles = sum(r.vehicles for r in loops)
        assert len(loops) == min(vehicles, np.sum(tree.parent == station))


def test_size_for_load_gives_busier_bases_more_vehicles():
    network = build_network(load_scenario(KAIFENG))
    tree = network.tree
    served = tree.subtree_population()
    vans = {}
    for route in network.routes:
        if route.fleet == "village":
            vans[route.base] = vans.get(route.base, 0) + route.vehicles
    stations = np.array(list(vans))
    load = np.array([served[s] - tree.population[s] for s in stations])  # villages only
    count = np.array([vans[s] for s in stations])
    assert count.min() >= 2  # fleets.village.vehicles is the floor
    # ordinary-day parcels per van-departure stay under 70% of a van's capacity
    assert (load * 0.048 / (count * 300 * 2) <= 0.7 + 1e-9).all()
    assert np.corrcoef(load, count)[0, 1] > 0.9


def test_loops_have_positive_length_and_legs():
    network = build_network(load_scenario(TUTORIAL))
    for route in network.routes:
        assert len(route.leg_km) == len(route.stops) + 1
        if route.fleet != "courier":
            assert route.loop_km > 0 and (route.leg_hours > 0).all()


def test_more_vehicles_means_shorter_loops():
    one = build_network(load_scenario(TUTORIAL, ["fleets.village.vehicles=1"]))
    four = build_network(load_scenario(TUTORIAL, ["fleets.village.vehicles=4"]))
    loop = {r.base: r.loop_km for r in one.routes if r.fleet == "village"}
    longest = {}
    for route in four.routes:
        if route.fleet == "village":
            longest[route.base] = max(longest.get(route.base, 0), route.loop_km)
    assert all(longest[base] < loop[base] for base in loop)


def test_sweep_partition_is_balanced_and_complete():
    rng = np.random.default_rng(4)
    xy = rng.normal(size=(40, 2))
    weights = rng.integers(100, 2000, size=40)
    parts = sweep_partition(np.zeros(2), xy, weights, 4)
    assert sorted(np.concatenate(parts).tolist()) == list(range(40))
    shares = [weights[p].sum() / weights.sum() for p in parts]
    assert max(shares) < 0.4


def test_tour_improves_on_visiting_in_input_order():
    rng = np.random.default_rng(8)
    xy = rng.random((15, 2))
    hours = np.linalg.norm(xy[:, None] - xy[None], axis=2)
    order = [0, *tour_order(hours), 0]
    naive = [0, *range(1, 15), 0]

    def length(path):
        return sum(hours[a, b] for a, b in pairwise(path))

    assert sorted(order[1:-1]) == list(range(1, 15))
    assert length(order) < 0.7 * length(naive)


def test_explicit_roads_set_the_legs(scenario_copy):
    def explicit_roads(raw):
        raw["network"]["roads"] = "tutorial/roads.csv"

    path = scenario_copy(explicit_roads)
    rows = [line.split(",") for line in
            (path.parent / "tutorial" / "nodes.csv").read_text(encoding="utf-8").splitlines()[1:]]
    lines = ["from,to,km,road_class"] + [f"{row[0]},{row[3]},7.5,village" for row in rows if row[3]]
    (path.parent / "tutorial" / "roads.csv").write_text("\n".join(lines), encoding="utf-8")
    network = build_network(load_scenario(path))
    for route in network.routes:
        if route.fleet == "village":
            # a tree of 7.5 km roads: station -> village and village -> village via the station
            assert route.leg_km[0] == 7.5 and route.leg_km[-1] == 7.5
            assert np.allclose(route.leg_km[1:-1], 15.0)
            # village roads at 30 km/h, below the minivans' 40 km/h
            assert np.allclose(route.leg_hours, route.leg_km / 30.0)


@settings(max_examples=80, deadline=None)
@given(st.integers(0, 10_000), st.integers(6, 120), st.sampled_from([1, 2, 3, 1000]))
def test_bounded_loop_searches_find_the_same_paths(seed, size, hour_values):
    # few distinct road hours make many equally fast paths: ties must resolve as in full
    rng = np.random.default_rng(seed)
    graph = nx.path_graph(size)  # connected
    for _ in range(size):
        graph.add_edge(*rng.choice(size, 2, replace=False).tolist())
    for u, v in graph.edges:
        hours = float(rng.integers(1, hour_values + 1))
        graph.edges[u, v].update(km=hours * 50.0, road_class="county", hours=hours)
    roads = Roads(graph, ["county"], np.array([50.0]))
    nodes = rng.choice(size, min(size, 8), replace=False)
    reach = rng.choice(size, 2, replace=False)
    hours, predecessors = roads.shortest_among(nodes, reach)
    full_hours, full_predecessors = roads.shortest_from(nodes)
    targets = np.concatenate((nodes, reach))
    assert np.array_equal(hours[:, targets], full_hours[:, targets])
    for row, source in enumerate(nodes.tolist()):
        for target in targets.tolist():
            bounded = roads.leg(predecessors[row], source, target)
            full = roads.leg(full_predecessors[row], source, target)
            assert bounded.km_by_class.tolist() == full.km_by_class.tolist()
            assert _path(predecessors[row], target) == _path(full_predecessors[row], target)


def _path(predecessors: np.ndarray, target: int) -> list[int]:
    path = [target]
    while predecessors[path[-1]] >= 0:
        path.append(int(predecessors[path[-1]]))
    return path


@settings(max_examples=150, deadline=None)
@given(st.integers(0, 10_000), st.integers(2, 12), st.sampled_from([2, 5, 1000]))
def test_greedy_start_is_networkx_greedy_tour(seed, size, values):
    # few distinct hours make ties: they must go to the same stop as in networkx
    rng = np.random.default_rng(seed)
    hours = rng.integers(1, values, (size, size)).astype(float)
    hours = np.triu(hours, 1) + np.triu(hours, 1).T
    graph = nx.complete_graph(size)
    nx.set_edge_attributes(graph, {(u, v): float(hours[u, v]) for u, v in graph.edges}, "weight")
    expected = nx.approximation.greedy_tsp(graph, source=0)[:-1]
    assert _greedy_cycle(hours).tolist() == expected


def test_loops_from_elsewhere_replace_a_fleets_loops_and_run():
    """A solver's loops (here: each station's loops merged into one and driven backwards)
    replace the network's: the base keeps its vans, every village stays served once, the
    other routes keep their places, and the run delivers every parcel."""
    scenario = load_scenario(TUTORIAL, ["run.days=3"])
    network = build_network(scenario)
    village = [r for r in network.routes if r.fleet == "village"]
    bases = sorted({r.base for r in village})
    merged = {base: [np.concatenate([r.stops for r in village if r.base == base])[::-1]]
              for base in bases}
    replanned = with_loops(network, "village", merged)
    new = [r for r in replanned.routes if r.fleet == "village"]
    assert len(new) == len(bases)
    assert [r.index for r in replanned.routes] == list(range(len(replanned.routes)))
    for base in bases:
        assert sum(r.vehicles for r in new if r.base == base) == sum(
            r.vehicles for r in village if r.base == base)
    for route in new:  # each village's parcels go down on its new loop
        assert (replanned.route_of[route.stops, 0] == route.index).all()
        assert route.leg_km.size == route.stops.size + 1 and (route.leg_km > 0).all()
    others = [r.name for r in network.routes if r.fleet != "village"]
    assert [r.name for r in replanned.routes if r.fleet != "village"] == others
    for park in np.flatnonzero(network.courier_route >= 0):
        assert replanned.routes[replanned.courier_route[park]].name == \
            network.routes[network.courier_route[park]].name
    parcels = api.run(scenario, network=replanned).summary["parcels"]
    assert parcels["delivered"] + parcels["in_network"] == parcels["created"] > 0
    assert parcels["in_network"] < 0.01 * parcels["created"]
    wrong = {bases[0]: [merged[bases[0]][0][1:]]}  # one village left off
    with pytest.raises(ValueError, match="do not visit its stops"):
        with_loops(network, "village", wrong)
