"""Operating modes of the last mile and carriers (configs/modes.yaml: one whole county)."""

from __future__ import annotations

import numpy as np
import pytest

from sim import api
from sim.network import POINT, build_network
from sim.scenario import load_scenario

from .conftest import CONFIGS

MODES = CONFIGS / "modes.yaml"
SHORT = ["run.days=6"]


def lead(result, tier: str = "point") -> float:
    return result.summary["by_tier"][tier]["lead_time_h"]["mean"]


@pytest.mark.parametrize("seed", [1, 2])
def test_joint_distribution_cuts_vehicle_km_at_equal_or_better_lead_times(seed):
    joint = api.run(MODES, [*SHORT, f"run.seed={seed}", "operations.village=joint"])
    separate = api.run(MODES, [*SHORT, f"run.seed={seed}", "operations.village=separate"])
    # the same parcels either way: modes change no random input
    assert joint.summary["parcels"]["created"] == separate.summary["parcels"]["created"]
    assert joint.summary["vehicle_km"] < 0.7 * separate.summary["vehicle_km"]
    assert joint.summary["co2_kg"] < separate.summary["co2_kg"]
    assert lead(joint) <= lead(separate) + 0.5
    assert joint.summary["by_tier"]["point"]["on_time_rate"] >= \
        separate.summary["by_tier"]["point"]["on_time_rate"] - 0.01
    village = separate.routes[separate.routes["fleet"] == "village"]
    assert set(village["carrier"]) == {"China Post", "ZTO", "YTO", "Yunda", "J&T"}
    assert separate.summary["modes"]["separate"]["vehicles"] > \
        joint.summary["modes"]["joint"]["vehicles"]


def test_bus_carriage_backs_up_once_volume_exceeds_the_bus_hold():
    bus = ["operations.village=bus", *SHORT]
    light = api.run(MODES, [*bus, "demand.multiplier=0.5"])
    heavy = api.run(MODES, [*bus, "demand.multiplier=1.5"])
    buses = light.bottlenecks[light.bottlenecks["tier"] == "bus_village"]
    assert len(buses) > 0 and not buses["unstable"].any()
    buses = heavy.bottlenecks[heavy.bottlenecks["tier"] == "bus_village"]
    assert buses["unstable"].mean() > 0.8  # all but the lines of the smallest townships
    assert buses["backlog_growth_per_day"].sum() > 1000
    assert heavy.summary["parcels"]["in_network"] > 10 * light.summary["parcels"]["in_network"]
    # the bus's own kilometres are not the parcels': only the fee is
    modes = heavy.summary["modes"]["bus"]
    assert modes["vehicle_km"] == 0 and modes["co2_kg"] == 0 and modes["cost"] > 0


def test_villagers_who_collect_at_the_station_spend_their_trip():
    result = api.run(MODES, [*SHORT, "operations.village=station_pickup"])
    network = result.output.network
    parcels = result.parcels()
    tree = network.tree
    index = tree.index_of()
    to_villages = parcels[(parcels["tier"] == "point") & parcels["done_h"].notna()
                          & (parcels["flow"] == "down") & ~parcels["door"]]
    assert to_villages["point_arr_h"].isna().all()  # no van went to the village
    walk = network.walk_h[[index[d] for d in to_villages["destination"]]]
    assert (walk > 0).all()
    waited = to_villages["done_h"] - to_villages["station_dep_h"]
    assert (waited.to_numpy() >= walk - 1e-4).all()
    assert "village" not in set(result.routes["fleet"])


def test_modes_per_county_and_township_come_from_the_scenario_alone():
    bus_township = "S410222101"
    scenario = load_scenario(MODES, [
        "operations.counties={通许县: {village: separate}}",
        f"operations.townships={{{bus_township}: {{village: bus}}}}",
    ])
    network = build_network(scenario)
    tree = network.tree
    villages = tree.of_level(POINT)
    own = villages[tree.parent[villages] == tree.index_of()[bus_township]]
    others = np.setdiff1d(villages, own)
    assert set(network.mode_of[own]) == {"bus"}
    assert set(network.mode_of[others]) == {"separate"}
    bus_routes = {r.index for r in network.routes if r.fleet == "bus_village"}
    assert set(network.route_of[own].ravel()) <= bus_routes


def test_carriers_keep_their_shares_and_their_own_line_haul():
    result = api.run(MODES, [
        *SHORT, "fleets.line_haul.dispatch=cutoff",
        "carriers.0.line_haul_departures=[05:00, 12:00]",
    ])
    parcels = result.parcels()
    shares = parcels["carrier"].value_counts(normalize=True)
    config = result.output.scenario.config
    for name, share in zip(config.carrier_names(), config.carrier_shares(), strict=True):
        assert shares[name] == pytest.approx(share, abs=0.01)
    post = parcels[(parcels["carrier"] == "China Post") & parcels["hub_dep_h"].notna()
                   & (parcels["flow"] == "down")]
    assert set(np.round(post["hub_dep_h"] % 24, 6)) <= {5.0, 12.0}
    others = parcels[(parcels["carrier"] != "China Post") & parcels["hub_dep_h"].notna()
                     & (parcels["flow"] == "down")]
    assert set(np.round(others["hub_dep_h"] % 24, 6)) <= {3.0, 9.0, 15.0, 21.0}
    summary = result.summary
    assert set(summary["by_carrier"]) == set(config.carrier_names())


def test_a_sweep_over_the_mode_key_is_the_comparison_table(tmp_path):
    from sim.experiment.design import SweepFile, with_options

    design = with_options(SweepFile(reps=2, base=["run.days=4"]),
                          ["operations.village=joint,separate,bus,station_pickup"], [])
    points = api.sweep(MODES, design, tmp_path, workers=2).points.set_index(
        "set.operations.village")
    assert list(points.index) == ["joint", "separate", "bus", "station_pickup"]
    assert (points["reps_ok"] == 2).all()
    km = points["vehicle_km.mean"]
    assert km["joint"] < km["separate"]
    assert km["station_pickup"] < km["joint"] and km["bus"] < km["joint"]
    for column in ("co2_kg.mean", "cost.per_parcel.mean", "by_mode.joint.lead_time_h.p95.mean"):
        assert column in points.columns


def test_a_bus_mode_without_buses_is_a_clear_error():
    from sim.errors import ScenarioError

    with pytest.raises(ScenarioError, match=r"fleets\.bus_village must be given"):
        load_scenario(CONFIGS / "tutorial.yaml", ["operations.village=bus"])


def test_carrier_costs_add_up_to_the_network_cost():
    result = api.run(MODES, [*SHORT, "operations.village=separate"])
    summary = result.summary
    carriers = summary["carriers"]
    allocated = sum(c["cost_per_parcel"] * c["parcels"] for c in carriers.values())
    assert allocated == pytest.approx(summary["cost"]["total"], rel=1e-9)
    co2 = sum(c["co2_kg_per_parcel"] * c["parcels"] for c in carriers.values())
    assert co2 == pytest.approx(summary["co2_kg"], rel=1e-9)
    assert all(c["own_vehicles"] > 0 for c in carriers.values())
