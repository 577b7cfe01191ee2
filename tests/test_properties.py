"""Properties that hold for every valid scenario, checked on random small ones."""

from __future__ import annotations

import numpy as np
import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sim.demand import _hour_of_day
from sim.engine.model import Simulation, check_stage_order
from sim.network import POINT
from sim.results import summarise

from .scenarios import materialised, scenarios

SETTINGS = settings(suppress_health_check=[HealthCheck.too_slow])


@SETTINGS
@given(scenarios())
def test_conservation_order_and_capacities(case):
    raw, rows = case
    with materialised(raw, rows) as scenario:
        output = Simulation(scenario).run()  # raises if parcels are not conserved
    ledger, network = output.ledger, output.network
    assert len(ledger) == ledger.delivered_by(output.end_h) + output.in_network
    check_stage_order(ledger)
    fleets = scenario.config.fleets.by_name()
    trips = output.trips
    for route in network.routes:
        mine = trips[trips["route"] == route.index]
        # no vehicle carries more than it holds
        assert (mine["peak_load"] <= fleets[route.fleet].capacity).all()
        # never more vehicles out at once than the route has
        events = sorted([(t, 1) for t in mine["depart_h"]] + [(t, -1) for t in mine["return_h"]],
                        key=lambda e: (e[0], e[1]))
        assert max(np.cumsum([e[1] for e in events]), default=0) <= route.vehicles
    points = network.tree.of_level(POINT)
    assert (output.shelf_peak[points] <= output.shelf_slots[points]).all()


def _fifo_violations(arrived: np.ndarray, left: np.ndarray, group: np.ndarray) -> int:
    """Pairs in a group where the earlier arrival leaves strictly later."""
    rows = ~np.isnan(arrived) & ~np.isnan(left) & (group >= 0)
    frame = pd.DataFrame({"g": group[rows], "a": arrived[rows], "l": left[rows]})
    frame = frame.sort_values(["g", "a", "l"], kind="stable")
    running = frame.groupby("g")["l"].cummax()
    return int((frame["l"] < running - 1e-9).sum())


@SETTINGS
@given(scenarios())
def test_fifo_where_the_model_promises_it(case):
    raw, rows = case
    with materialised(raw, rows) as scenario:
        output = Simulation(scenario).run()
    ledger, network = output.ledger, output.network
    tree, times = network.tree, ledger.times
    down = ledger.flow == 0
    for level, kind in ((1, "hub"), (2, "park"), (3, "station")):
        at = np.where(down, tree.ancestors[level, ledger.destination],
                      tree.ancestors[level, ledger.origin])
        # a sorting line serves in arrival order
        assert _fifo_violations(times[f"{kind}_arr"], times[f"{kind}_sorted"], at) == 0
    # a route without shelves loads its queue in order of readiness
    for level, ready, left in ((1, "hub_sorted", "hub_dep"), (2, "park_sorted", "park_dep")):
        next_hop = tree.ancestors[level + 1, ledger.destination]
        route = np.where(down & (next_hop >= 0), network.route_of_node[np.maximum(next_hop, 0)],
                         -1)
        assert _fifo_violations(times[ready], times[left], route) == 0


@SETTINGS
@given(scenarios())
def test_more_capacity_does_not_make_lead_times_worse(case):
    raw, rows = case
    for fleet in raw["fleets"].values():
        fleet["dispatch"] = "cutoff"  # 'or full' departs later when vehicles grow
    doubled = ["facilities.hub.rate_per_h", "facilities.park.rate_per_h",
               "facilities.station.rate_per_h", "facilities.point.shelf_slots",
               *(f"fleets.{name}.capacity" for name in raw["fleets"])]
    more = []
    for key in doubled:
        section, *rest = key.split(".")
        value = raw[section]
        for part in rest[:-1]:
            value = value[part]
        more.append(f"{key}={2 * value[rest[-1]] + 1}")
    with materialised(raw, rows) as base, materialised(raw, rows, more) as bigger:
        before, after = summarise(Simulation(base).run()), summarise(Simulation(bigger).run())
    if before.summary["parcels"]["measured"] == 0:
        return
    # the same parcels either way (common random numbers)
    assert before.summary["parcels"]["created"] == after.summary["parcels"]["created"]
    assert after.summary["on_time_rate"] >= before.summary["on_time_rate"] - 0.02
    # time in the network so far, counting parcels not yet through at the end of the run
    assert time_inside(after) <= 1.02 * time_inside(before) + 0.25


def time_inside(result) -> float:
    parcels = result.parcels()
    measured = parcels[parcels["measured"]]
    done = measured["done_h"].fillna(result.output.end_h)
    return float((done - measured["created_h"]).mean())


@settings(max_examples=200, deadline=None)
@given(st.lists(st.integers(0, 5) | st.floats(0, 10), min_size=24, max_size=24)
       .filter(lambda profile: sum(profile) > 0),
       st.integers(0, 2**32 - 1))
def test_hours_of_day_are_the_binary_search_of_the_profile(profile, seed):
    # the bucketed lookup must give what searching each uniform in the CDF gives, also at
    # bucket edges and CDF steps
    rng = np.random.default_rng(seed)
    cumulative = np.cumsum(profile, dtype=np.float64)
    cumulative /= cumulative[-1]
    edges = np.arange(4097) / 4096
    uniforms = np.concatenate((rng.random(2000), cumulative[:-1], edges[:-1],
                               np.nextafter(edges[1:], 0), np.nextafter(cumulative[:-1], 0)))
    uniforms = uniforms[uniforms < 1.0]  # as drawn: in [0, 1)
    expected = np.minimum(np.searchsorted(cumulative, uniforms, side="right"), 23)
    hours = uniforms.copy()
    _hour_of_day(profile, hours)
    assert np.array_equal(hours, expected)
