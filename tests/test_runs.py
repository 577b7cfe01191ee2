"""Runs a planner can manage, answers first, sweeps a planner can use, and a cost per
parcel that does not improve when the network is overloaded."""

from __future__ import annotations

import re
import time

import pytest
from streamlit.proto.Metric_pb2 import Metric as MetricProto
from streamlit.testing.v1 import AppTest

from sim import api
from sim.i18n import speaking
from sim.ui import answers, levers
from sim.ui.runs import app_files, execute, load_for_app
from sim.ui.tabs.sweep import progress_with_eta

from .pages import open_page

AT_CAPACITY, OVERLOADED = 2.5, 4.0  # tutorial volumes: deliveries stop growing by 2.5
SEEDS = (1, 2, 3)


def cost_block(multiplier: float, seed: int) -> dict:
    summary = api.run("configs/tutorial.yaml", [f"demand.multiplier={multiplier}",
                                                f"run.seed={seed}"]).summary
    return {**summary["cost"], "created": summary["parcels"]["measured"]}


def test_cost_per_delivered_parcel_rises_when_volume_overloads_the_network():
    """At 2.5 times an ordinary day every route to the tutorial's residents is full (their
    analytic bounds are 1.2 to 2.4), so 60% more volume delivers hardly more parcels in the
    measured days, while costs do not fall: vehicle-days are fixed, and the extra parcels
    are still sorted and carried as far as the full resources. Cost per delivered parcel
    must rise; cost per parcel created falls, which is the misreading it replaces."""
    low = [cost_block(AT_CAPACITY, seed) for seed in SEEDS]
    high = [cost_block(OVERLOADED, seed) for seed in SEEDS]
    for before, after in zip(low, high, strict=True):  # the same seed: common random numbers
        assert after["created"] > 1.5 * before["created"]
        assert after["parcels_delivered"] < 1.1 * before["parcels_delivered"]  # at capacity
        assert after["total"] > before["total"]
        assert after["per_parcel"] < before["per_parcel"]
    rising = min(r["per_delivered_parcel"] for r in high)
    assert rising > 1.05 * max(r["per_delivered_parcel"] for r in low)  # seeds differ < 1%


def test_cost_per_delivered_parcel_counts_the_parcels_through_in_the_measured_days():
    results = api.run("configs/tutorial.yaml")
    cost, window = results.summary["cost"], results.window
    done = results.output.ledger.times["done"]
    through = ((done >= window.start) & (done < window.end)).sum()
    assert cost["parcels_delivered"] == through
    assert cost["per_delivered_parcel"] == pytest.approx(cost["total"] / through)
    # an ordinary week: about as many delivered in the measured days as created in them
    assert cost["parcels_delivered"] == pytest.approx(
        results.summary["parcels"]["measured"], rel=0.05)


def sidebar_select(at: AppTest, label: str):
    return next(s for s in at.sidebar.selectbox if s.label == label)


def press(at: AppTest, label: str) -> None:
    next(b for b in [*at.sidebar.button, *at.button] if b.label == label).click()
    at.run()
    assert not at.exception, at.exception


def test_a_harvest_run_is_never_the_delta_base_of_a_tutorial_run():
    at = open_page("tutorial.yaml")
    tutorial_first = sidebar_select(at, "Deltas against").value
    sidebar_select(at, "Scenario").set_value("harvest_peak.yaml")
    at.run()
    next(s for s in at.sidebar.slider if s.label == "Days").set_value(2)
    next(s for s in at.sidebar.slider if s.label.startswith("Volume multiplier")).set_value(0.2)
    press(at, "Run")
    next(t for t in at.sidebar.text_input if t.label == "Pin this run as").set_value("harvest")
    press(at, "Pin")
    assert at.session_state["pinned"]["harvest"].scenario_key == "bundled:harvest_peak.yaml"
    sidebar_select(at, "Scenario").set_value("tutorial.yaml")
    at.run()
    next(s for s in at.sidebar.slider if s.label.startswith("Volume multiplier")).set_value(1.5)
    press(at, "Run")
    assert sidebar_select(at, "Deltas against").value == tutorial_first  # its own baseline
    assert any(m.delta for m in at.metric)
    sidebar_select(at, "Deltas against").set_value("harvest")
    at.run()
    assert not at.exception
    assert not any(m.delta for m in at.metric), [m.delta for m in at.metric]
    assert any("another network" in w.value for w in at.warning)
    compare = next(m for m in at.multiselect if m.label == "Runs")
    compare.set_value(["this run", "harvest"])
    at.run()
    assert any("Not the same network" in w.value and "harvest" in w.value for w in at.warning)


def test_deltas_against_keeps_its_choice_after_pin():
    at = open_page("tutorial.yaml")
    press(at, "Pin")
    sidebar_select(at, "Deltas against").set_value("run 1")
    at.run()
    next(s for s in at.sidebar.slider if s.label.startswith("Volume multiplier")).set_value(1.5)
    press(at, "Run")
    press(at, "Pin")
    assert "run 2" in at.session_state["pinned"]
    assert sidebar_select(at, "Deltas against").value == "run 1"
    on_time = next(m for m in at.metric if m.label == "On time")
    assert on_time.delta.startswith("-")  # 1.5 times the volume: fewer on time than run 1


def test_a_zero_change_has_no_arrow():
    """The same scenario again (its own seed as an override): every card changes by
    nothing against the first run, and none shows an arrow or a colour."""
    at = open_page("tutorial.yaml")
    at.sidebar.text_area[0].set_value("run.seed=1")
    press(at, "Run")
    assert at.session_state["last"].overrides[-1] == "run.seed=1"
    assert at.metric
    for metric in at.metric:
        assert metric.delta.startswith("±"), metric.delta
        assert metric.proto.direction == MetricProto.MetricDirection.NONE
        assert metric.proto.color == MetricProto.MetricColor.GRAY


def test_sweep_values_are_checked_on_the_page():
    at = open_page("tutorial.yaml")
    next(t for t in at.text_input if t.label == "Values, separated by commas").set_value(
        "1, 2, three")
    press(at, "Run sweep")
    assert "'three' is not a number" in [e.value for e in at.error]
    assert "sweeps" not in at.session_state  # nothing ran


def test_a_sweep_over_operating_modes_names_its_points_by_mode():
    at = open_page("tutorial.yaml")
    next(s for s in at.selectbox if s.label == "Lever").set_value("operations.village")
    at.run()
    next(s for s in at.slider if s.label == "Replications per point").set_value(2)
    press(at, "Run sweep")
    shown = next(t.value for t in at.dataframe if "Runs done" in t.value.columns)
    modes = shown["village leg: operating mode"].tolist()
    assert modes == ["joint distribution", "each carrier its own vans",
                     "by bus (passenger-freight-mail)", "pickup at the station"]
    done = dict(zip(modes, shown["Runs done"], strict=True))
    assert done["pickup at the station"] == 2 and done["joint distribution"] == 2
    assert done["by bus (passenger-freight-mail)"] == 0  # the tutorial has no bus lines
    assert any(w.value.startswith("village leg: operating mode = by bus") for w in at.warning)
    assert not any(re.search(r"\b[0-9a-f]{12}\b", w.value) for w in at.warning)  # no point id


def test_a_sized_fleet_s_vehicles_lever_says_it_may_change_nothing():
    scenario = load_for_app("kaifeng.yaml", app_files())
    found = levers.sweepable(scenario)
    note = levers.cannot_change(found["fleets.village.vehicles"], scenario)
    assert note and "size_for_load" in note and "capacity" in note
    assert "fleets.village.size_for_load" in found
    assert "operations.village" in found and "precooling.pallets" in found
    assert "hubs.qi_base.cold_storage_pallets" in found
    assert "hubs.qi_base.fleets.collect.vehicles" in found
    tutorial = load_for_app("tutorial.yaml", app_files())
    found = levers.sweepable(tutorial)  # no goods, no fleet sized for the load
    assert "precooling.pallets" not in found and "fleets.village.size_for_load" not in found
    assert levers.cannot_change(found["fleets.village.vehicles"], tutorial) is None


def test_sweep_values_are_typed_by_their_lever():
    found = levers.SORTING_LEVERS[3]  # sorting lines: whole numbers
    assert levers.parse_values(found, "1, 2,3") == [1, 2, 3]
    for text, message in (("1, 2.5", "'2.5' is not a whole number"),
                          ("1, nan", "'nan' is not a number"), (" , ", "at least one")):
        with pytest.raises(levers.BadValues, match=message):
            levers.parse_values(found, text)
    with speaking("zh"), pytest.raises(levers.BadValues, match="three") as error:
        levers.parse_values(found, "1, three")
    assert "number" not in str(error.value)  # said in Chinese


def test_sweep_progress_tells_the_time_left():
    shown = []
    progress = progress_with_eta(lambda share, text: shown.append((share, text)))
    progress(0, 4)
    time.sleep(0.05)
    progress(1, 4)
    progress(4, 4)
    assert shown[0] == (0.0, "0 of 4 runs")
    assert shown[1][0] == 0.25 and shown[1][1].startswith("1 of 4 runs, about ")
    assert shown[1][1].endswith(" s left")
    assert shown[2] == (1.0, "4 of 4 runs")


@pytest.fixture(scope="module")
def crowded_kaifeng():
    """Three days of Kaifeng at 1.6 times an ordinary day: some counties fall behind."""
    scenario = load_for_app("kaifeng.yaml", app_files())
    return execute(scenario, "kaifeng.yaml", ["run.days=3", "run.warmup_days=1",
                                              "demand.multiplier=1.6"], key="bundled:k")


def test_the_answers_name_the_county_furthest_from_its_targets_in_chinese(crowded_kaifeng):
    record = crowded_kaifeng
    shares = {county: record.kpis[f"by_county.{county}.on_time_rate"]
              for county in record.summary["by_county"]}
    worst = min(shares, key=shares.__getitem__)
    with speaking("zh"):
        said = answers.statements(record)
    county_line = next(line for line in said if "按县" in line)
    assert f"差距最大的是{worst}" in county_line, county_line
    assert all("\u4e00" <= character <= "\u9fff" for character in worst)  # 杞县, 兰考县...
    assert all(c in county_line for c in shares)
    assert any("元/送达件" in line for line in said)
    first = next(line for line in said if "最先饱和" in line)
    assert "route:" not in first and "sorting:" not in first  # named, not a code
    with speaking("en"):
        said = answers.statements(record)
    assert any(f"Furthest from its targets: {worst}" in line for line in said)


def test_the_answers_say_spoilage_product_by_product():
    scenario = load_for_app("harvest_peak.yaml", app_files())
    record = execute(scenario, "harvest_peak.yaml", ["run.days=2", "run.warmup_days=1",
                                                     "demand.multiplier=0.2"])
    with speaking("en"):
        line = next(s for s in answers.statements(record) if s.startswith("Spoilage"))
    assert "of chilled and frozen goods" in line and "mushroom" in line
    assert "freight" not in line  # ambient goods do not spoil


def test_the_answers_stand_above_the_tabs_in_chinese():
    at = open_page("tutorial.yaml", lang="zh")
    said = at.markdown[0].value
    assert "准时" in said and "元/送达件" in said, said


def test_a_stranger_s_name_is_text_in_the_answers():
    assert answers.escaped("[杞县](http://x) *") == r"\[杞县\]\(http://x\) \*"
