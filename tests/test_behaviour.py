"""The model behaves as a planner expects, shown with replications and paired differences.

Each comparison runs both scenarios on the same seeds (common random numbers: the same
parcels and residents), then asks whether the 95% t confidence interval of the paired
differences excludes zero.
"""

from __future__ import annotations

import numpy as np

from sim import api

from .conftest import TUTORIAL
from .paired import paired_interval

SEEDS = (11, 12, 13, 14, 15)


def replicate(*overrides: str) -> list:
    return [api.run(TUTORIAL, [*overrides, f"run.seed={seed}"]) for seed in SEEDS]


def kpi(results: list, *path: str) -> list[float]:
    values = []
    for result in results:
        node = result.summary
        for key in path:
            node = node[key]
        values.append(float(node))
    return values


def total_peak_backlog(result) -> float:
    return float(sum(b["peak"] for b in result.summary["backlog"].values()))


def test_villages_wait_longer_than_county_seats():
    runs = replicate()
    seat = kpi(runs, "by_tier", "park", "lead_time_h", "mean")
    village = kpi(runs, "by_tier", "point", "lead_time_h", "mean")
    low, _ = paired_interval(seat, village)
    assert low > 4.0  # villages wait at least four hours longer on average
    assert kpi(runs, "by_tier", "point", "lead_time_h", "p95") > kpi(
        runs, "by_tier", "park", "lead_time_h", "p95")


def test_more_demand_raises_lead_times_and_backlog():
    normal, busy = replicate(), replicate("demand.multiplier=1.8")
    low, _ = paired_interval(kpi(normal, "lead_time_h", "mean"), kpi(busy, "lead_time_h", "mean"))
    assert low > 0
    low, _ = paired_interval([total_peak_backlog(r) for r in normal],
                             [total_peak_backlog(r) for r in busy])
    assert low > 0


def test_adding_vehicles_to_a_saturated_tier_lowers_them():
    # one van per station at 1.5x volume cannot keep up; three can
    saturated = replicate("demand.multiplier=1.5", "fleets.village.vehicles=1")
    relieved = replicate("demand.multiplier=1.5", "fleets.village.vehicles=3")
    for result in saturated:
        village = result.bottlenecks[result.bottlenecks["tier"] == "village"]
        assert village["unstable"].any()
    for result in relieved:
        village = result.bottlenecks[result.bottlenecks["tier"] == "village"]
        assert not village["unstable"].any()
    _, high = paired_interval(kpi(saturated, "by_tier", "point", "lead_time_h", "mean"),
                              kpi(relieved, "by_tier", "point", "lead_time_h", "mean"))
    assert high < 0
    _, high = paired_interval([total_peak_backlog(r) for r in saturated],
                              [total_peak_backlog(r) for r in relieved])
    assert high < 0


def station_wait_for(result, village: str) -> np.ndarray:
    parcels = result.parcels()
    rows = parcels[(parcels["destination"] == village) & parcels["measured"]]
    return (rows["station_dep_h"] - rows["station_sorted_h"]).to_numpy()


def test_a_point_with_too_few_slots_backs_parcels_up_into_its_station():
    village, station, slots = "V410222101200", "S410222101", 4
    ample = api.run(TUTORIAL)
    tight = api.run(TUTORIAL, [f"node_overrides.{village}.shelf_slots={slots}"])
    # the shelf is never overfilled, and it did fill up
    tree = tight.output.network.tree
    node = tree.index_of()[village]
    assert tight.output.shelf_peak[node] == slots
    assert ample.output.shelf_peak[node] > slots
    # its parcels wait at the station instead: longer, and the station holds more
    assert np.nanmean(station_wait_for(tight, village)) > 2 * np.nanmean(
        station_wait_for(ample, village))
    assert tight.summary["backlog"][station]["peak"] > ample.summary["backlog"][station]["peak"]
    # the held-back village's parcels take longer; its neighbours' barely change
    lead = tight.parcels().groupby("destination", observed=True)["lead_time_h"].mean()
    before = ample.parcels().groupby("destination", observed=True)["lead_time_h"].mean()
    assert lead[village] > before[village] + 6
    assert abs(lead["V410222101201"] - before["V410222101201"]) < 3


def test_same_seed_same_results_bit_for_bit():
    first, second = api.run(TUTORIAL), api.run(TUTORIAL)
    a, b = first.parcels(), second.parcels()
    assert a.equals(b)
    assert first.summary == second.summary
    assert first.trips().equals(second.trips())
    other = api.run(TUTORIAL, ["run.seed=2"]).parcels()
    assert not a["created_h"].equals(other["created_h"])


def test_common_random_numbers_keep_demand_across_levers():
    base = api.run(TUTORIAL).parcels()
    lever = api.run(TUTORIAL, ["fleets.village.vehicles=4", "facilities.park.rate_per_h=700"])
    other = lever.parcels()
    assert base["created_h"].equals(other["created_h"])
    assert base["destination"].equals(other["destination"])


def test_pickups_happen_only_while_the_point_is_open():
    village = "V410222101200"
    hours = "[08:00-12:00, 15:00-18:00]"
    result = api.run(TUTORIAL, [f"node_overrides.{village}.opening_hours={hours}"])
    parcels = result.parcels()
    mine = parcels[(parcels["destination"] == village) & parcels["done_h"].notna()]
    picked = mine[~mine["door"]]
    hour = picked["done_h"] % 24
    assert len(picked) > 100
    assert (((hour > 8) & (hour <= 12)) | ((hour > 15) & (hour <= 18))).all()
    # the neighbours keep the tutorial's 08:00-20:00
    other = parcels[(parcels["destination"] == "V410222101201") & ~parcels["door"]]
    assert ((other["done_h"] % 24).between(12, 15)).any()
    # door deliveries arrive with the van, whatever the opening hours
    door = mine[mine["door"]]
    assert len(door) > 5
    assert (door["done_h"] - door["point_arr_h"]).between(0, 1.0).all()


def test_a_vehicle_late_back_delays_its_next_departure():
    # one van per station, departures 30 minutes apart, loops longer than that
    result = api.run(TUTORIAL, ["fleets.village.vehicles=1",
                                "fleets.village.departures=[11:00, 11:30]"])
    trips = result.trips()
    village = trips[trips["fleet"] == "village"].sort_values(["route", "depart_h"])
    for _, route in village.groupby("route"):
        departs, returns = route["depart_h"].to_numpy(), route["return_h"].to_numpy()
        assert (departs[1:] >= returns[:-1] - 1e-9).all()  # never two loops at once
        second = departs[1::2]  # the 11:30 departures
        assert (second % 24 > 11.5 + 1e-6).all()  # each one waited for the van
        assert np.allclose(second, returns[0::2][: len(second)])
