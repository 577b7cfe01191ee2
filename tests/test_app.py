"""The Streamlit app, driven by streamlit.testing: levers, uploads, downloads, compare."""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest
from typer.testing import CliRunner

from sim.cli import app as cli
from sim.results.jsonable import json_ready

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
