"""The Streamlit app, driven by streamlit.testing: levers, uploads, downloads, compare."""

from __future__ import annotations

import datetime as dt
import io
import json
import zipfile
from pathlib import Path

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest
from typer.testing import CliRunner

from sim import api
from sim.cli import app as cli
from sim.results.jsonable import json_ready
from sim.results.names import Names
from sim.results.views import node_view
from sim.scenario import with_overrides
from sim.ui import disruption_levers
from sim.ui.disruption_levers import Disruption
from sim.ui.disruption_map import SLOWED, STOPPED, overlays, struck
from sim.ui.recovery_charts import inside_chart, recovery
from sim.ui.runs import app_files, load_for_app
from sim.ui.sidebar import FIRST_DAYS, first_days

from .pages import open_group, open_page

APP = Path(__file__).resolve().parents[1] / "app.py"


@pytest.fixture
def page() -> AppTest:
    """The app in English on the tutorial scenario, after the run it opens on."""
    return open_page("tutorial.yaml")


def press(at: AppTest, label: str) -> None:
    next(b for b in at.sidebar.button if b.label == label).click()
    at.run()
    assert not at.exception, at.exception


def metric(at: AppTest, label: str):
    return next(m for m in at.metric if m.label == label)


def test_a_lever_moves_the_kpis_the_right_way(page):
    press(page, "Run")
    assert float(metric(page, "Lead time p95 (h)").value) > 0
    press(page, "Pin")
    next(s for s in page.sidebar.selectbox if s.label == "Deltas against").set_value("run 1")
    next(s for s in page.sidebar.slider if s.label.startswith("Volume multiplier")).set_value(
        2.0)
    press(page, "Run")
    p95 = metric(page, "Lead time p95 (h)")
    on_time = metric(page, "On time")
    assert float(p95.delta) > 0  # longer than the pinned baseline
    assert on_time.delta.startswith("-")  # fewer on time
    assert page.get("deck_gl_json_chart"), "no map"
    assert len(page.get("vega_lite_chart")) >= 4  # distributions and series


def test_a_closed_lever_group_draws_nothing_and_keeps_its_levers(page):
    """The levers of a closed group are off the page (every map move redraws the page), yet
    what the planner set in it while it was open still counts."""
    key = "tutorial.yaml:fleets.village.vehicles"
    assert key not in [n.key for n in page.sidebar.number_input]
    open_group(page, "fleet:village")
    next(n for n in page.sidebar.number_input if n.key == key).set_value(3)
    page.run()
    open_group(page, "fleet:village", is_open=False)
    assert key not in [n.key for n in page.sidebar.number_input]
    press(page, "Run")
    assert "fleets.village.vehicles=3" in page.session_state["last"].overrides
    open_group(page, "fleet:village")
    assert next(n for n in page.sidebar.number_input if n.key == key).value == 3
    assert not page.warning  # no "value set twice" complaint from Streamlit


def test_a_run_uses_the_network_its_landing_picture_was_drawn_from(monkeypatch):
    def built_again(*args, **kwargs):
        raise AssertionError("the run built its network a second time")

    monkeypatch.setattr("sim.engine.model.build_network", built_again)
    at = open_page("tutorial.yaml")  # fails if the run builds the network itself
    assert at.metric, "no KPI cards"


def test_a_bad_upload_shows_an_error_not_a_traceback(page):
    page.sidebar.file_uploader[0].set_value(("broken.yaml", b"name: x\nrun: [unclosed\n",
                                             "application/x-yaml"))
    page.run()
    assert not page.exception
    messages = [e.value for e in page.error]
    assert any("malformed YAML" in m and "line 3" in m for m in messages), messages


def test_an_impossible_lever_shows_an_error(page):
    page.sidebar.text_area[0].set_value("fleets.village.capacity=0")
    press(page, "Run")
    assert any("fleets.village.capacity" in e.value for e in page.error)


def test_the_downloaded_scenario_reproduces_the_run(page, tmp_path):
    open_group(page, "fleet:village")
    vans = next(n for n in page.sidebar.number_input
                if n.key == "tutorial.yaml:fleets.village.vehicles")
    vans.set_value(3)
    press(page, "Run")
    record = page.session_state["last"]
    assert "fleets.village.vehicles=3" in record.overrides
    shown = next(c for c in page.code if "fleets:" in c.value).value
    assert shown.strip() == record.scenario_yaml.strip()
    with zipfile.ZipFile(io.BytesIO(record.scenario_zip)) as archive:
        archive.extractall(tmp_path / "download")
    path = tmp_path / "download" / "scenario.yaml"
    assert path.read_text(encoding="utf-8") == record.scenario_yaml
    assert str(APP.parent) not in record.scenario_yaml  # no server folder named
    out = tmp_path / "run"
    result = CliRunner().invoke(cli, ["run", str(path), "--no-parcels", "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert json.loads((out / "summary.json").read_text(encoding="utf-8")) == json.loads(
        json.dumps(json_ready(record.summary)))


def test_pinned_runs_compare_side_by_side_and_a_sweep_draws_its_band(page):
    press(page, "Run")
    press(page, "Pin")
    next(s for s in page.sidebar.slider if s.label.startswith("Volume multiplier")).set_value(
        1.5)
    press(page, "Run")
    tables = page.dataframe
    assert any(column.startswith("this run against ") for t in tables for column in t.value)
    next(b for b in page.button if b.label == "Run sweep").click()
    page.run()
    assert not page.exception
    points = next(t.value for t in page.dataframe if "Runs done" in t.value.columns)
    vans = "village vans (station to villages): vehicles per base"
    assert sorted(points[vans]) == ["1", "2", "3", "4"]
    assert (points["Runs done"] == 3).all()


def test_replications_give_means_with_intervals(page):
    next(s for s in page.sidebar.slider if s.label == "Replications").set_value(3)
    press(page, "Run")
    record = page.session_state["last"]
    intervals = record.intervals.set_index("kpi")
    assert intervals.loc["on_time_rate", "n"] == 3
    assert intervals.loc["on_time_rate", "ci_low"] < intervals.loc["on_time_rate", "ci_high"]
    assert any("Means over replications" in c.value for c in page.caption)
    assert float(metric(page, "On time").value.rstrip("%")) / 100 == pytest.approx(
        intervals.loc["on_time_rate", "mean"], abs=0.0006)


def test_the_operating_mode_is_a_lever(page):
    mode = next(s for s in page.sidebar.selectbox if s.label.startswith("Village leg"))
    mode.set_value("pickup at the station")
    press(page, "Run")
    record = page.session_state["last"]
    assert "operations.village=station_pickup" in record.overrides
    assert "station_pickup" in record.summary["by_mode"]
    next(s for s in page.sidebar.selectbox if s.label.startswith("Village leg")).set_value(
        "by bus (passenger-freight-mail)")
    press(page, "Run")
    messages = [e.value for e in page.error]
    assert any("tutorial.yaml" in m and "fleets.bus_village must be given" in m
               for m in messages), messages


def test_the_cold_chain_has_levers_a_card_and_a_tab():
    """harvest_peak.yaml extends kaifeng.yaml; its reefers are levers and cutting them shows
    as more spoilage against the pinned run."""
    at = open_page("harvest_peak.yaml", timeout=600)
    next(s for s in at.sidebar.slider if s.label == "Days").set_value(4)
    next(s for s in at.sidebar.slider if s.label.startswith("Volume multiplier")).set_value(0.2)
    press(at, "Run")
    assert metric(at, "Cold-chain spoilage").value.endswith("%")
    assert "Cold chain" in [tab.label for tab in at.tabs]
    deck = json.loads(at.get("deck_gl_json_chart")[0].proto.json)
    drawn = [row.get("id") for layer in deck["layers"] if layer["@@type"] == "ScatterplotLayer"
             for row in layer["data"]]
    assert "qi_base" in drawn  # the hubs are on the map
    press(at, "Pin")
    next(s for s in at.sidebar.selectbox if s.label == "Deltas against").set_value("run 1")
    open_group(at, "cold_chain")
    for hub, value in (("qi_base", 4), ("lankao_base", 2)):
        key = f"harvest_peak.yaml:hubs.{hub}.fleets.collect.vehicles"
        next(n for n in at.sidebar.number_input if n.key == key).set_value(value)
    press(at, "Run")
    assert float(metric(at, "Cold-chain spoilage").delta.split()[0]) > 0  # in points


def test_the_plan_tab_shows_the_changes_on_the_map_and_the_frontier():
    """The tutorial's plan file, searched around the run shown: the cheaper plan's changes
    by place, its targets on fresh seeds, its bases on a map and its frontier chart."""
    at = open_page("tutorial.yaml")
    assert "Plan" in [tab.label for tab in at.tabs]
    assert next(s for s in at.selectbox if s.label == "Plan file").value.name == "tutorial.yaml"
    maps_before = len(at.get("deck_gl_json_chart"))
    charts_before = len(at.get("vega_lite_chart"))
    next(b for b in at.button if b.label == "Search for the plan").click()
    at.run()
    assert not at.exception, at.exception
    assert any(s.value.startswith("Cost a day:") for s in at.success)
    changes = next(t.value for t in at.dataframe if "node_id" in t.value.columns)
    assert set(changes["place"]) <= {"竖岗镇", "玉皇庙镇", "朱砂镇", "练城乡"}
    assert list(changes.columns) == ["place", "decision", "now", "planned", "node_id"]
    assert len(changes) and (changes["planned"].astype(int) < changes["now"].astype(int)).any()
    assert set(changes["decision"]) == {"village vans (station to villages): vehicles per base"}
    verdicts = next(t.value for t in at.dataframe if "verdict" in t.value.columns)
    assert set(verdicts["verdict"]) == {"holds"}
    assert len(at.get("deck_gl_json_chart")) == maps_before + 1
    planned = json.loads(at.get("deck_gl_json_chart")[-1].proto.json)
    places = next(layer for layer in planned["layers"] if layer["id"] == "places")
    marked = [row for row in places["data"] if "in the plan" in row["tip"]]
    assert {row["tip"].split("\n")[0] for row in marked} == set(changes["place"])
    assert len(at.get("vega_lite_chart")) == charts_before + 1  # the frontier


def test_a_disruption_set_by_the_levers_reaches_the_run(page):
    """A line down at the county park, switched on in the sidebar: the run carries it as an
    override, is compared with its undisrupted twin on a tab of its own, and the map rings
    the park with a tooltip saying what and when."""
    assert "Disruptions and recovery" not in [tab.label for tab in page.tabs]
    open_group(page, "disruptions")
    next(c for c in page.sidebar.checkbox if c.label == "Sorting lines down or slowed").check()
    page.run()
    assert not page.exception, page.exception
    next(n for n in page.sidebar.number_input if n.label == "Lasts (hours)").set_value(20)
    press(page, "Run")
    record = page.session_state["last"]
    assert [o for o in record.overrides if o.startswith("disruptions.")] == [
        "disruptions.facilities=[{start: '2026-03-03 08:00', end: '2026-03-04 04:00', "
        "kinds: [park], down: true}]"]
    assert record.summary["resilience"]["events"] == 1
    assert record.summary["resilience"]["parcels_delayed"] > 0
    assert "Disruptions and recovery" in [tab.label for tab in page.tabs]
    said = "\n".join(m.value for m in page.markdown)
    for label in ("extra delay", "late because", "backlog", "recovered"):
        assert f"**{label}**:" in said
    assert any("sorting lines of the county logistics park down, from Mar 3 08:00 for 20 h"
               in c.value for c in page.caption)  # the run's settings, in words
    deck = json.loads(page.get("deck_gl_json_chart")[0].proto.json)
    rings = next(layer for layer in deck["layers"] if layer["id"] == "disrupted-places")
    assert [row["tip"] for row in rings["data"]] == [
        "通许县电商快递物流园\ncounty logistics park\nsorting line down\n"
        "Mar 3 08:00 to Mar 4 04:00"]


def test_a_disruption_lever_adds_to_the_scenario_s_own():
    """Overrides replace a whole list, so a lever's road closure is written after the
    rainstorm's own road disruptions, which stay as they were; the scenario first runs for
    as many days as its own disruptions need."""
    scenario = load_for_app("rainstorm_2021.yaml", app_files())
    added = Disruption("road", dt.datetime(2021, 7, 21, 8), 12, ("通许县",),
                       targets=("village",))
    overrides = disruption_levers.overrides([added], scenario)
    assert len(overrides) == 1 and overrides[0].startswith("disruptions.roads=[")
    own, levered = scenario.config.disruptions, with_overrides(scenario, overrides).config
    assert levered.disruptions.roads[:-1] == own.roads
    last = levered.disruptions.roads[-1]
    assert (last.counties, last.road_classes, last.closed) == (["通许县"], ["village"], True)
    assert (last.start, last.end) == (dt.datetime(2021, 7, 21, 8), dt.datetime(2021, 7, 21, 20))
    assert levered.disruptions.facilities == own.facilities
    assert first_days(scenario) == 21  # to 27 July, when its last disruption ends, and 6 more
    assert first_days(load_for_app("tutorial.yaml", app_files())) == FIRST_DAYS


def test_the_recovery_chart_draws_the_twin_and_shades_the_disruptions():
    """The undisrupted line is the twin's parcels inside hour by hour, the disrupted one the
    run's, at the run's dates; the shaded periods are the disruptions, by name."""
    scenario = load_for_app("tutorial.yaml", app_files())
    results = api.run(scenario, [
        "disruptions.facilities=[{name: 分拣线故障, start: 2026-03-04 08:00, "
        "end: 2026-03-04 20:00, kinds: [park], down: true}]",
        "disruptions.roads=[{start: 2026-03-05 00:00, end: 2026-03-06 00:00, "
        "counties: [通许县], road_classes: [village], closed: true}]"])
    resilience = results.resilience
    start = dt.date(2026, 3, 2)
    data = recovery(resilience, Names.of(scenario), start)
    for series, column in (("the same run undisrupted", "inside_twin"),
                           ("this run, disrupted", "inside")):
        line = data.inside[data.inside["series"] == series]
        assert line["parcels"].tolist() == resilience.hourly[column].tolist()
        assert line["time"].tolist() == [pd.Timestamp(start) + pd.Timedelta(hours=int(h))
                                         for h in resilience.hourly["hour"]]
    twin_days = data.on_time[data.on_time["series"] == "the same run undisrupted"]
    assert twin_days["on_time"].tolist() == resilience.daily["on_time_twin"].dropna().tolist()
    events = resilience.events
    assert data.periods["what"].tolist() == ["分拣线故障", "roads closed or slowed"]
    assert data.periods["start"].tolist() == [pd.Timestamp(start) + pd.Timedelta(hours=h)
                                              for h in events["start_h"]]
    assert data.periods["end"].tolist() == [pd.Timestamp(start) + pd.Timedelta(hours=h)
                                            for h in events["end_h"]]
    chart = inside_chart(data).to_dict()
    assert [layer["mark"]["type"] for layer in chart["layer"]] == ["rect", "line"]


def test_the_map_draws_a_road_by_the_disruptions_under_way_on_its_day():
    """Village roads closed on one day and slowed the next: crimson the first day, orange
    the second (under way, whatever else hit them before), faded after; each tooltip names
    both, with their times."""
    scenario = load_for_app("tutorial.yaml", app_files())
    results = api.run(scenario, [
        "disruptions.roads=[{name: 村道被淹, start: 2026-03-04 00:00, end: 2026-03-05 00:00, "
        "road_classes: [village], closed: true}, {name: 村道积水, start: 2026-03-05 00:00, "
        "end: 2026-03-06 00:00, road_classes: [village], speed_factor: 0.5}]"])
    hit, names = struck(results), Names.of(scenario)
    nodes = node_view(results)

    def roads(day: int) -> list[dict]:
        layers = overlays(hit, results.resilience.events, nodes, names, dt.date(2026, 3, 2),
                          day)
        return next(layer for layer in layers if layer.id == "disrupted-roads").data

    assert {tuple(road["colour"]) for road in roads(2)} == {(*STOPPED, 240)}
    assert {tuple(road["colour"]) for road in roads(3)} == {(*SLOWED, 240)}
    assert {tuple(road["colour"]) for road in roads(5)} == {(*STOPPED, 70)}
    tip = roads(3)[0]["tip"].splitlines()
    assert tip[0].startswith("Road ") and tip[1:] == [
        "村道被淹: closed", "Mar 4 00:00 to Mar 5 00:00",
        "村道积水: at 50% of its speed", "Mar 5 00:00 to Mar 6 00:00"]
