"""Disruptions against fluid and renewal formulas: a line down, vehicles breaking down, a
road closed with a way round it."""

from __future__ import annotations

import itertools
from collections.abc import Iterator

import networkx as nx
import numpy as np

from sim.demand import UP
from sim.results import Results
from sim.validation.checks import LAB, TUTORIAL, Check, _population, _replicate

OUTAGE_START_H = 5 * 24.0  # a quiet day in the lab's run, long after the warm-up


def _outage(hours: float) -> str:
    """The lab station's line down for `hours` from the start of day 5."""
    return ("disruptions.facilities=[{start: 2026-03-07 00:00, "
            f"end: 2026-03-07 {int(hours):02d}:00, kinds: [station], down: true}}]")


def _backlog_and_clearing(result: Results, end_h: float) -> tuple[float, float]:
    """Parcels waiting for the station's line when it restarts, and the hours until its
    queue first empties after that."""
    ledger = result.output.ledger
    up = ledger.flow == UP
    arrived = ledger.times["station_arr"][up].astype(np.float64)
    done = ledger.times["station_sorted"][up].astype(np.float64)
    order = np.argsort(arrived, kind="stable")
    arrived, done = arrived[order], done[order]
    backlog = int(np.count_nonzero((arrived <= end_h) & (done > end_h)))
    # the queue empties after parcel i when the next one arrives after i is sorted
    after = np.flatnonzero((done[:-1] > end_h) & (arrived[1:] >= done[:-1]))
    return float(backlog), float(done[after[0]] - end_h)


def line_down(reps: int) -> Iterator[Check]:
    """A line of rate mu fed at lambda < mu, down for D hours: lambda D parcels wait when it
    restarts, and it takes lambda D / (mu - lambda) hours to work them off (the expected
    busy period started by that much work, exactly, for Poisson arrivals)."""
    service_rate, arrival = 100.0, 60.0
    for hours in (4.0, 8.0):
        overrides = ["demand.up_per_resident_day=0.01", "facilities.station.rate_per_h=100",
                     f"node_overrides.S1.population={_population(arrival)}", _outage(hours)]
        end_h = OUTAGE_START_H + hours
        measured = [_backlog_and_clearing(r, end_h) for r in _replicate(LAB, overrides, reps)]
        setting = f"lambda = {arrival:g}/h, mu = {service_rate:g}/h, D = {hours:g} h"
        yield Check("Sorting line down: backlog", setting, "backlog = lambda D",
                    arrival * hours, tuple(b for b, _ in measured), "parcels")
        yield Check("Sorting line down: time to clear", setting,
                    "T = lambda D / (mu - lambda)", arrival * hours / (service_rate - arrival),
                    tuple(t for _, t in measured), "h")


def breakdowns(reps: int) -> Iterator[Check]:
    """Vehicles that fail after exponential times (mean MTBF) and are repaired in
    exponential times (mean MTTR) are in service MTBF / (MTBF + MTTR) of the time."""
    for mtbf, mttr in ((100.0, 10.0), (50.0, 25.0)):
        overrides = ["fleets.village.vehicles=8", "run.days=30",
                     f"disruptions.random.breakdowns=[{{fleet: village, mtbf_h: {mtbf:g}, "
                     f"mttr_h: {mttr:g}}}]"]
        values = tuple(r.summary["resilience"]["vehicles_in_service"]["village"]
                       for r in _replicate(LAB, overrides, reps))
        yield Check("Vehicle availability under breakdowns",
                    f"MTBF = {mtbf:g} h, MTTR = {mttr:g} h, 8 vans, 30 days",
                    "A = MTBF / (MTBF + MTTR)", mtbf / (mtbf + mttr), values, "share")


CLOSED_STATION, PARK = "S410222101", "P410222"


def _closure() -> str:
    return ("disruptions.roads=[{start: 2026-03-03 00:00, end: 2026-03-06 00:00, "
            f"between: [[{CLOSED_STATION}, {PARK}]], closed: true}}]")


def _detour_hours(result: Results) -> tuple[float, float]:
    """The loop through the station, timed by networkx on the road graph without
    the closed roads; and the loop's usual hours."""
    network = result.output.network
    route = next(r for r in network.routes if r.fleet == "township" and
                 CLOSED_STATION in network.tree.ids[r.stops].tolist())
    graph = network.roads.graph.copy()
    index = network.tree.index_of()
    graph.remove_edge(index[CLOSED_STATION], index[PARK])
    path = [route.base, *route.stops.tolist(), route.base]
    hours = sum(nx.dijkstra_path_length(graph, a, b, weight="hours")
                for a, b in itertools.pairwise(path))
    return float(hours), float(route.leg_hours.sum())


def _driving_hours(result: Results, depart_from: float, depart_before: float) -> float:
    """Mean hours the loop's vans spent driving on trips leaving in the window: each trip's
    time less loading and stops (the trip log gives what they handled)."""
    network, trips = result.output.network, result.output.trips
    route = next(r for r in network.routes if r.fleet == "township" and
                 CLOSED_STATION in network.tree.ids[r.stops].tolist())
    fleet = route.spec
    mine = trips[(trips["route"] == route.index) & (trips["depart_h"] >= depart_from)
                 & (trips["depart_h"] < depart_before)]
    handling = (fleet.load_h + fleet.load_s_per_parcel * mine["down_parcels"] / 3600
                + len(route.stops) * fleet.stop_h
                + fleet.stop_s_per_parcel * (mine["down_parcels"] + mine["up_parcels"]) / 3600)
    return float((mine["return_h"] - mine["depart_h"] - handling).mean())


def detour(reps: int) -> Iterator[Check]:
    """With the road from the park to a station closed, vans reach the station the long way
    round, through a neighbouring station: they take the detour's travel time (networkx's
    shortest paths on the graph without that road; travel times without noise, vans faster
    than every road)."""
    overrides = ["network.travel_noise_cv=0", "fleets.township.speed_kmh=120", _closure()]
    runs = list(_replicate(TUTORIAL, overrides, min(reps, 3)))
    detour_h, usual_h = _detour_hours(runs[0])
    values = tuple(_driving_hours(r, 24.0, 72.0) for r in runs)
    yield Check("Closed road with a detour", f"road {PARK}-{CLOSED_STATION} closed; "
                f"loop {usual_h:.3g} h driving when open", "driving time = detour's shortest path",
                detour_h, values, "h", identity=True)
