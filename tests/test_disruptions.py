"""Disruptions: what the engine does while roads, lines, stops and vehicles are out, and the
run against its undisrupted twin (docs/model.md, Disruptions)."""

from __future__ import annotations

import json

import numpy as np
import pytest
from typer.testing import CliRunner

from sim import api
from sim.cli import app
from sim.demand import DOWN
from sim.network import POINT
from sim.results import write_results

from .conftest import CONFIGS, TUTORIAL
from .paired import paired_interval

runner = CliRunner()
DAY0 = "2026-03-02"


def when(day: int, hour: int = 0) -> str:
    """A tutorial date and time: day 0 is 2 March 2026."""
    return f"2026-03-{2 + day:02d} {hour:02d}:00"


def disrupted(*items: str, extra: tuple[str, ...] = (), seed: int = 1):
    return api.run(TUTORIAL, [*items, *extra, f"run.seed={seed}"])


def park_down(hours: int) -> str:
    return (f"disruptions.facilities=[{{start: {when(3, 4)}, end: {when(3, 4 + hours)}, "
            "kinds: [park], down: true}]")


def test_the_twin_draws_the_same_parcels_and_the_difference_is_the_disruption():
    result = disrupted(park_down(8))
    here, twin = result.output.ledger, result.twin.output.ledger
    assert len(here) == len(twin)
    assert np.array_equal(here.times["created"], twin.times["created"])
    assert np.array_equal(here.destination, twin.destination)
    # the twin is the plain run: same summary as running the scenario without disruptions
    plain = api.run(TUTORIAL, ["run.seed=1"]).summary
    assert result.twin.summary == plain
    block = result.summary["resilience"]
    assert block["extra_parcel_hours"] > 0 and block["late_because"] > 0
    # nothing changes before the line stops: parcels through by then are untouched
    stop = 3 * 24 + 4
    early = twin.times["done"] < stop
    assert np.array_equal(here.times["done"][early], twin.times["done"][early])


def test_same_seed_same_disrupted_run_bit_for_bit():
    breakdowns = ("disruptions.random.breakdowns=[{fleet: village, mtbf_h: 40, mttr_h: 8}]",
                  "disruptions.random.weather=[{months: {3: 0.3}, speed_factor: 0.5}]")
    first, second = disrupted(*breakdowns), disrupted(*breakdowns)
    assert json.dumps(first.summary, sort_keys=True) == json.dumps(second.summary,
                                                                   sort_keys=True)
    other = disrupted(*breakdowns, seed=2)
    assert other.summary["resilience"] != first.summary["resilience"]


def test_a_stopped_line_sorts_nothing_and_the_backlog_is_its_inflow():
    result = disrupted(park_down(8))
    sorted_at = result.output.ledger.times["park_sorted"]
    start, end = 3 * 24 + 4, 3 * 24 + 12
    assert not np.any((sorted_at > start) & (sorted_at < end))
    arrived = result.output.ledger.times["park_arr"]
    waiting = np.count_nonzero((arrived <= end) & (sorted_at > end))
    twin = result.twin.output.ledger.times
    inflow = np.count_nonzero((twin["park_arr"] > start) & (twin["park_arr"] <= end))
    assert waiting >= inflow  # all that came while it was down, and what queued before


def test_the_trunk_held_releases_what_came_at_its_end():
    hold = f"disruptions.arrivals=[{{start: {when(2, 6)}, end: {when(3, 0)}}}]"
    result = disrupted(hold)
    ledger = result.output.ledger
    created, left = ledger.times["created"], ledger.times["gateway_dep"]
    held = (ledger.flow == DOWN) & (created >= 54) & (created < 72)
    assert held.any() and (left[held] >= 72).all()


def test_a_closed_point_gets_nothing_and_its_villagers_collect_nothing():
    closure = (f"disruptions.closures=[{{start: {when(2)}, end: {when(4)}, "
               "nodes: [V410222101200, V410222101201]}]")
    result = disrupted(closure)
    output = result.output
    tree, ledger = output.network.tree, output.ledger
    closed = np.isin(tree.ids[ledger.destination], ["V410222101200", "V410222101201"])
    shelf = closed & (ledger.flow == DOWN) & ~result.outcomes.door
    loaded = ledger.times["station_dep"][shelf]
    assert not np.any((loaded >= 48) & (loaded < 96))  # held at the station
    done = ledger.times["done"][shelf]
    assert not np.any((done > 48) & (done < 96))  # nobody collects at a closed point
    assert np.count_nonzero(shelf) > 100
    # the van still brings parcels to the door
    door = closed & result.outcomes.door
    assert np.any((ledger.times["station_dep"][door] >= 48)
                  & (ledger.times["station_dep"][door] < 96))
    assert result.summary["resilience"]["late_because"] > 0


def test_a_road_cut_off_holds_the_vans_and_a_detour_is_taken_where_there_is_one():
    # the roads into a township's villages closed: its village vans wait for them
    cut = (f"disruptions.roads=[{{start: {when(2)}, end: {when(3)}, townships: [竖岗镇], "
           "road_classes: [village], closed: true}]")
    result = disrupted(cut)
    network, trips = result.output.network, result.output.trips
    station = network.tree.index_of()["S410222101"]
    theirs = [r.index for r in network.routes if r.fleet == "village" and r.base == station]
    departed = trips.loc[trips["route"].isin(theirs), "depart_h"]
    assert not np.any((departed >= 48) & (departed < 72))
    assert np.any(np.isclose(departed, 72))  # they leave when the roads open
    # one road from the park to a station closed: the vans go round, driving longer
    detour = (f"disruptions.roads=[{{start: {when(2)}, end: {when(3)}, "
              "between: [[S410222101, P410222]], closed: true}]")
    result = disrupted(detour)
    trips, twin = result.output.trips, result.twin.output.trips
    route = next(r.index for r in network.routes if r.fleet == "township"
                 and station in r.stops.tolist())
    during = (trips["route"] == route) & trips["depart_h"].between(48, 71.9)
    twin_during = (twin["route"] == route) & twin["depart_h"].between(48, 71.9)
    assert trips.loc[during, "km"].min() > twin.loc[twin_during, "km"].max()


def test_vehicles_out_of_service_never_all_leave():
    out = (f"disruptions.fleets=[{{fleet: village, start: {when(2)}, end: {when(5)}, "
           "vehicles: 1}]")
    result = disrupted(out, extra=("fleets.village.vehicles=3",))
    trips, network = result.output.trips, result.output.network
    for route in network.routes:
        if route.fleet != "village":
            continue
        mine = trips[trips["route"] == route.index]
        for start in mine.loc[mine["depart_h"].between(48, 119.9), "depart_h"]:
            out_now = ((mine["depart_h"] <= start) & (mine["return_h"] > start)).sum()
            assert out_now <= route.vehicles - 1 or route.vehicles == 1
    # one van of three laid up at each of the 4 stations for 72 of the run's 216 hours
    assert result.summary["resilience"]["vehicles_in_service"]["village"] == pytest.approx(
        1 - 4 * 72 / (4 * 3 * 216))


def harvest(*overrides: str):
    """Goods alone at the harvest peak, a short run."""
    return api.run(CONFIGS / "harvest_peak.yaml", ["demand.multiplier=0", "run.days=8",
                                                   "run.warmup_days=2", "run.drain_days=3",
                                                   *overrides])


def test_random_power_cuts_strike_the_named_cold_stores_only():
    result = harvest("disruptions.random.power_cuts=[{name: 冷库停电, hubs: [qi_base], "
                     "per_year: 300, duration_h: 12}]")
    events = result.output.disruptions.events
    assert events and all(e.kind == "power" and e.hubs == ["qi_base"] for e in events)
    assert set(result.output.disruptions.power_cuts) == {"qi_base"}
    assert result.summary["cold_chain"]["lots"]["conserved"]


def test_a_cold_store_without_power_spoils_more():
    result = harvest("disruptions.power=[{hubs: [qi_base], start: 2026-05-22 00:00, "
                     "end: 2026-05-24 00:00}]")
    assert result.summary["resilience"]["extra_spoiled_t"] > 0
    assert result.summary["cold_chain"]["lots"]["conserved"]


def recovery_hours(*overrides: str, seeds=(1, 2, 3)) -> list[float]:
    hours = []
    for seed in seeds:
        block = api.run(TUTORIAL, [*overrides, f"run.seed={seed}"]).summary["resilience"]
        assert block["hours_to_recover"] is not None
        hours.append(block["hours_to_recover"])
    return hours


def test_a_second_sorting_line_shortens_recovery():
    """The park's line, the one tight resource (vans and shelves ample), down for 12 hours:
    with a second line its backlog is worked off more than twice as fast (fluid:
    lambda D / (2 mu - lambda) against lambda D / (mu - lambda))."""
    busy = ("facilities.park.rate_per_h=450", "fleets.township.vehicles=4",
            "fleets.village.vehicles=4", "facilities.point.shelf_slots=1000", park_down(12))
    one = recovery_hours(*busy)
    two = recovery_hours(*busy, "facilities.park.lines=2")
    low, _high = paired_interval(two, one)  # of one - two
    assert low > 0, (one, two)


def test_a_backup_bus_line_shortens_recovery(scenario_copy):
    """Every village van laid up for a day and a half: where the county's bus line also
    carries parcels to the villages, they keep coming and the network recovers sooner."""
    def with_buses(raw):
        raw["fleets"]["bus_village"] = {
            "vehicles": 2, "capacity": 150, "speed_kmh": 35, "departures_per_day": 5,
            "service_window": "07:00-17:00", "stop_h": 0.05, "shared_km": True,
            "cost_per_parcel": 0.6}
        raw["operations"] = {"townships": {"S410222101": {"village": "bus"},
                                           "S410222102": {"village": "bus"}}}
    buses = scenario_copy(with_buses)
    out = (f"disruptions.fleets=[{{fleet: village, start: {when(2, 6)}, end: {when(3, 18)}, "
           "available: 0.01}]")
    vans_only = recovery_hours(out)
    with_bus = [api.run(buses, [out, f"run.seed={seed}"]).summary["resilience"]
                for seed in (1, 2, 3)]
    assert all(b["hours_to_recover"] is not None for b in with_bus)
    low, _high = paired_interval([b["hours_to_recover"] for b in with_bus], vans_only)
    assert low > 0, (vans_only, with_bus)


def test_sim_run_of_the_rainstorm_prints_resilience_and_writes_its_files(tmp_path):
    out = tmp_path / "rain"
    result = runner.invoke(app, ["run", str(CONFIGS / "rainstorm_2021.yaml"),
                                 "--set", "run.days=12", "--out", str(out)])
    assert result.exit_code == 0, result.output
    for fragment in ("Disruptions", "郑州枢纽停运", "extra delay", "late because",
                     "recovered", "Resilience by county"):
        assert fragment in result.output
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    block = summary["resilience"]
    assert block["extra_parcel_hours"] > 0 and block["peak_extra_backlog"] > 0
    for name in ("disruptions.csv", "recovery.csv", "recovery_by_day.csv",
                 "resilience_by_county.csv"):
        text = (out / name).read_text(encoding="utf-8-sig")
        assert text.count("\n") > 1
    recovery = (out / "recovery.csv").read_text(encoding="utf-8-sig").splitlines()
    assert recovery[0] == "hour,inside,inside_twin,extra,time"


def test_written_disrupted_scenario_reruns_the_same(tmp_path):
    result = disrupted(park_down(8))
    write_results(result, tmp_path / "first", parcels=False)
    again = api.run(tmp_path / "first" / "scenario.yaml")
    assert again.summary["resilience"] == result.summary["resilience"]


PERIOD = {"start": "2026-03-04 08:00", "end": "2026-03-05 08:00"}


@pytest.mark.parametrize(("section", "item", "fragments"), [
    ("facilities", {"start": "2026-03-04 08:00", "end": "2026-03-04 06:00", "down": True},
     ("disruptions.facilities.0", "end 2026-03-04 06:00 is not after start")),
    ("roads", {**PERIOD, "road_classes": ["motorway"], "closed": True},
     ("disruptions.roads.0.road_classes", "unknown road class 'motorway'")),
    ("closures", {**PERIOD, "nodes": ["V999"]},
     ("disruptions.closures.0.nodes", "unknown node 'V999'")),
    ("roads", {**PERIOD, "counties": ["开封县"], "closed": True},
     ("disruptions.roads.0.counties", "unknown county '开封县'")),
    ("roads", {**PERIOD, "between": [["S410222101", "V999"]], "closed": True},
     ("disruptions.roads.0.between.0", "unknown node 'V999'")),
    ("facilities", {**PERIOD, "rate_factor": 1.5},
     ("disruptions.facilities.0.rate_factor", "less than or equal to 1")),
    ("roads", {**PERIOD, "speed_factor": 0},
     ("disruptions.roads.0.speed_factor", "greater than 0")),
    ("fleets", {**PERIOD, "fleet": "drones", "vehicles": 1},
     ("disruptions.fleets.0.fleet", "unknown fleet 'drones'")),
    ("arrivals", {"start": "2027-03-04 08:00", "end": "2027-03-05 08:00"},
     ("disruptions.arrivals.0.start", "outside the run")),
    ("power", {**PERIOD, "hubs": ["nowhere"]},
     ("disruptions.power.0.hubs", "unknown hub 'nowhere'")),
])
def test_bad_disruptions_exit_2_naming_file_field_and_problem(scenario_copy, section, item,
                                                               fragments):
    path = scenario_copy(lambda raw: raw.update(disruptions={section: [item]}))
    for command in ("validate", "run"):
        result = runner.invoke(app, [command, str(path), "--out", str(path.parent / "out")]
                               if command == "run" else [command, str(path)])
        assert result.exit_code == 2, result.output
        assert "Traceback" not in result.output
        for fragment in ("scenario.yaml", *fragments):
            assert fragment in result.output, result.output


def test_only_points_in_the_polygon_close():
    # a box around 竖岗镇's villages north of 34.30 N
    box = "[[114.5, 34.30], [114.7, 34.30], [114.7, 34.40], [114.5, 34.40]]"
    closure = (f"disruptions.closures=[{{start: {when(2)}, end: {when(3)}, "
               f"polygon: {box}}}]")
    result = disrupted(closure)
    tree = result.output.network.tree
    closed = result.output.disruptions.closed
    assert closed and all(tree.level[n] == POINT and 34.30 < tree.lat[n] < 34.40
                          for n in closed)


def test_more_random_disruptions_than_the_limit_are_refused_before_any_are_drawn(
        monkeypatch, tmp_path):
    monkeypatch.setenv("SIM_MAX_DISRUPTIONS", "100")
    setting = "disruptions.random.breakdowns=[{fleet: village, mtbf_h: 10, mttr_h: 1}]"
    for command in (["validate", str(TUTORIAL)], ["run", str(TUTORIAL), "--out",
                                                  str(tmp_path / "out")]):
        result = runner.invoke(app, [*command, "--set", setting])
        assert result.exit_code == 2, result.output
        assert "disruptions expected (random ones by their mean number): about 157, more " \
            "than the limit of 100" in result.output
        assert "SIM_MAX_DISRUPTIONS" in result.output
    assert not (tmp_path / "out").exists()


def test_a_time_with_a_zone_is_refused():
    setting = "disruptions.arrivals=[{start: 2026-03-03T08:00+08:00, end: 2026-03-04 00:00}]"
    result = runner.invoke(app, ["validate", str(TUTORIAL), "--set", setting])
    assert result.exit_code == 2
    assert "disruptions.arrivals.0.start" in result.output
    assert "timezone" in result.output
