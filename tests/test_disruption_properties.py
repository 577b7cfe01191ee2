"""Random sets of disruptions on the tutorial county: whatever goes wrong, parcels are
conserved and keep their stage order (the engine checks both), demand is the twin's, and no
vehicle, line or shelf does more than it can while disrupted."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from sim import api
from sim.clock import SlowedClock
from sim.demand import DOWN
from sim.network import POINT, STATION
from sim.results import Results

from .conftest import TUTORIAL

STATIONS = ["S410222101", "S410222102", "S410222104", "S410222204"]
FLEETS = ["township", "village", "line_haul", "courier"]
HOURS = 7 * 24  # disruptions start while there is demand


@st.composite
def period(draw) -> dict:
    start = draw(st.integers(0, HOURS - 1))
    length = draw(st.integers(1, 48))
    def at(hour: int) -> str:
        return f"2026-03-{2 + hour // 24:02d} {hour % 24:02d}:00"
    return {"start": at(start), "end": at(start + length)}


def facility(draw_period: dict, kinds: list[str], factor: float | None) -> dict:
    item = {**draw_period, "kinds": kinds}
    return {**item, "down": True} if factor is None else {**item, "rate_factor": factor}


@st.composite
def disruptions(draw) -> dict:
    factor = st.one_of(st.none(), st.floats(0.1, 0.9))
    townships = st.lists(st.sampled_from(STATIONS), min_size=1, max_size=2, unique=True)
    chosen = {
        "facilities": draw(st.lists(st.builds(
            facility, period(), st.sampled_from([["park"], ["station"], ["hub", "park"]]),
            factor), max_size=2)),
        "closures": draw(st.lists(st.builds(
            lambda p, t, k: {**p, "townships": t, "kinds": k}, period(), townships,
            st.sampled_from([["point"], ["station"], ["station", "point"]])), max_size=2)),
        "roads": draw(st.lists(st.builds(
            lambda p, t, closed, f: {**p, "townships": t, "road_classes": ["village"],
                                     **({"closed": True} if closed else {"speed_factor": f})},
            period(), townships, st.booleans(), st.floats(0.2, 0.9)), max_size=2)),
        "fleets": draw(st.lists(st.builds(
            lambda p, fleet, k: {**p, "fleet": fleet, "vehicles": k}, period(),
            st.sampled_from(FLEETS), st.integers(1, 3)), max_size=2)),
        "arrivals": draw(st.lists(period(), max_size=1)),
        "random": {"breakdowns": draw(st.lists(st.builds(
            lambda fleet, mtbf, mttr: {"fleet": fleet, "mtbf_h": mtbf, "mttr_h": mttr},
            st.sampled_from(FLEETS), st.floats(20, 400), st.floats(1, 30)), max_size=1)),
            "outages": draw(st.lists(st.builds(
                lambda per_year, hours: {"kinds": ["station"], "per_year": per_year,
                                         "duration_h": hours},
                st.floats(5, 60), st.floats(1, 24)), max_size=1)),
            "weather": draw(st.lists(st.builds(
                lambda p, closed: {"months": {3: p}, **({"closed": True} if closed
                                                         else {"speed_factor": 0.5})},
                st.floats(0.05, 0.5), st.booleans()), max_size=1))},
    }
    return chosen


def as_overrides(chosen: dict) -> list[str]:
    """The disruptions as one --set each (flow-style YAML)."""
    import json
    return [f"disruptions.{section}={json.dumps(value, ensure_ascii=False)}"
            for section, value in chosen.items()]


def check_capacity(result: Results) -> None:
    output = result.output
    plan, network, trips = output.disruptions, output.network, output.trips
    ledger, tree = output.ledger, network.tree
    # vehicles: never over capacity; never more out than the vehicles in service allow
    for route in network.routes:
        mine = trips[trips["route"] == route.index]
        assert (mine["peak_load"] <= route.spec.capacity).all()
        changes = sorted(plan.vehicles_out.get(route.index, []))
        times = np.array([t for t, _ in changes])
        level = np.cumsum([c for _, c in changes]) if changes else np.zeros(0)
        for depart in mine["depart_h"].to_numpy():
            before = level[times < depart][-1] if np.any(times < depart) else 0
            at = level[times <= depart][-1] if np.any(times <= depart) else 0
            out = ((mine["depart_h"] <= depart) & (mine["return_h"] > depart)).sum()
            assert out <= max(route.vehicles - min(before, at), 1) or route.vehicles == 1
    # sorting lines: no hour sorts more than the line's disrupted clock allows
    for node, clock in output.shift_clocks.items():
        periods = plan.line_periods.get(node)
        line_clock = SlowedClock(clock, periods) if periods else clock
        kind = ("gateway", "hub", "park", "station")[tree.level[node]]
        here = tree.ancestors[tree.level[node]]
        mine = np.where(ledger.flow == DOWN, here[ledger.destination],
                        here[ledger.origin]) == node
        stamps = ledger.times[f"{kind}_sorted"][mine]
        stamps = stamps[~np.isnan(stamps)].astype(np.float64)
        hours = np.arange(0, int(np.ceil(output.end_h)) + 1, dtype=np.float64)
        allowed = output.sort_rate[node] * np.diff(line_clock.to_open(hours))
        counted = np.histogram(stamps, bins=hours)[0]
        assert (counted <= allowed + 2).all(), (tree.ids[node], counted.max())
    # shelves never overfill
    assert (output.shelf_peak <= output.shelf_slots).all()


def check_rules(result: Results) -> None:
    output = result.output
    plan, ledger, tree = output.disruptions, output.ledger, output.network.tree
    down = ledger.flow == DOWN
    for node, periods in plan.closed.items():
        level = tree.level[node]
        below = tree.ancestors[level][ledger.destination] == node
        stage = "station_dep" if level == POINT else "park_dep"
        shelf = below & down & (~result.outcomes.door if level == POINT else True)
        loaded = ledger.times[stage][shelf]
        for start, end in periods:
            assert not np.any((loaded >= start) & (loaded < end)), (tree.ids[node], stage)
        assert level in (POINT, STATION)
    for start, end in plan.arrival_holds:
        created = ledger.times["created"]
        held = down & (created >= start) & (created < end)
        assert (ledger.times["gateway_dep"][held] >= end).all()
    trips = output.trips
    for start, end, legs in plan.road_periods:
        for route, leg in legs.items():
            if leg is None:
                departed = trips.loc[trips["route"] == route, "depart_h"]
                assert not np.any((departed > start) & (departed < end))


@settings(max_examples=30)
@given(disruptions(), st.integers(1, 1000))
def test_random_disruptions_conserve_and_respect_capacity(chosen, seed):
    result = api.run(TUTORIAL, [*as_overrides(chosen), f"run.seed={seed}"])
    summary = result.summary  # the engine checked conservation and stage order
    assert summary["conservation"]["holds"]
    if result.twin is None:  # nothing chosen at all
        assert not any(chosen[s] for s in chosen if s != "random")
        return
    here, twin = result.output.ledger, result.twin.output.ledger
    assert np.array_equal(here.times["created"], twin.times["created"])
    assert np.array_equal(here.destination, twin.destination)
    assert np.array_equal(here.parcels.u_pickup, twin.parcels.u_pickup)
    check_capacity(result)
    check_rules(result)
    block = summary["resilience"]
    assert block["parcels_delayed"] <= summary["parcels"]["created"]
