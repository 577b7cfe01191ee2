"""Charts that answer: lead times against the scenario's targets, axes to the 99.5th
percentile with the tail in words, time as calendar dates, facilities as a facility x day
heatmap, one route's trips as a Gantt chart; titles in the language in force."""

from __future__ import annotations

import datetime as dt
import math

import numpy as np
import pandas as pd
import pytest

from sim.i18n import number, percent, speaking
from sim.results.names import Names
from sim.results.views import (
    ALL_COUNTIES,
    busiest_day,
    chart_tables,
    day_trips,
    lead_tail,
    lead_within,
)
from sim.ui.lead_charts import county_chart, lead_chart, tail_sentence
from sim.ui.pictures import sweep_band
from sim.ui.time_charts import facility_heatmap, facility_label, facility_lines, trips_gantt

from .conftest import run_tutorial
from .pages import open_page


@pytest.fixture(scope="module")
def run():
    """The tutorial with its village target moved to 40 h (down) and 30 h (up), so a rule
    at those hours can only come from the scenario."""
    results = run_tutorial("targets.down_h.point=40", "targets.up_h.point=30")
    return results, chart_tables(results)


def spec_rows(spec: dict) -> pd.DataFrame:
    """The rows a chart's top-level data holds."""
    return pd.DataFrame(spec["datasets"][spec["data"]["name"]])


def measured_leads(results, flow: int) -> np.ndarray:
    outcomes = results.outcomes
    rows = (outcomes.measured & ~np.isnan(outcomes.lead_h)
            & (results.output.ledger.flow == flow))
    return outcomes.lead_h[rows]


def test_lead_groups_hold_each_groups_quantiles_and_on_time_share(run):
    results, tables = run
    outcomes, flow = results.outcomes, results.output.ledger.flow
    groups = tables.lead_groups.set_index(["flow", "tier", "county"])
    for (name, code), tier in [(("down", 0), "point"), (("up", 1), "station")]:
        level = ["gateway", "hub", "park", "station", "point"].index(tier)
        mine = outcomes.measured & (flow == code) & (outcomes.tier == level)
        lead = outcomes.lead_h[mine & ~np.isnan(outcomes.lead_h)]
        row = groups.loc[(name, tier, ALL_COUNTIES)]
        assert row["parcels"] == mine.sum() and row["delivered"] == len(lead)
        assert row["p50_h"] == pytest.approx(np.percentile(lead, 50), abs=1e-9)
        assert row["p95_h"] == pytest.approx(np.percentile(lead, 95), abs=1e-9)
        assert row["on_time_share"] == pytest.approx((mine & outcomes.on_time).sum()
                                                      / mine.sum())
        county = outcomes.county_names[0]
        assert groups.loc[(name, tier, county), "parcels"] == (
            mine & (outcomes.county == 0)).sum()


def test_the_target_rules_stand_at_the_scenarios_target_hours(run):
    _results, tables = run
    for flow, targets in [("down", {24.0, 36.0, 40.0}), ("up", {24.0, 36.0, 30.0})]:
        tail = lead_tail(tables.lead_bins, tables.lead_groups, flow)
        curves = lead_within(tables.lead_bins, tables.lead_groups, flow, ["tier"], tail.end_h)
        spec = lead_chart(curves, tables.lead_groups, flow, tail.end_h).to_dict()
        rules = [layer for layer in spec["layer"] if layer["mark"]["type"] == "rule"]
        assert rules and all(r["encoding"]["x"]["field"] == "target_h" for r in rules)
        rows = spec_rows(spec)
        assert set(rows.loc[rows["layer"] == "target", "target_h"]) == targets


def test_at_its_target_a_cumulative_curve_reads_the_on_time_share(run):
    _results, tables = run
    groups = tables.lead_groups
    curves = lead_within(tables.lead_bins, groups, "down", ["tier"], 80.0)
    for row in groups[(groups["flow"] == "down") & (groups["county"] == ALL_COUNTIES)
                      ].itertuples():
        at = curves[(curves["tier"] == row.tier) & (curves["lead_h"] == row.target_h)]
        assert at["within"].item() == pytest.approx(row.on_time_share, abs=1e-12)


def test_the_axis_ends_at_the_995th_percentile_and_the_tail_is_said(run):
    results, tables = run
    lead = measured_leads(results, 0)
    tail = lead_tail(tables.lead_bins, tables.lead_groups, "down")
    assert tail.end_h == math.floor(np.percentile(lead, 99.5)) + 1  # to the hour above
    assert tail.beyond == (lead >= tail.end_h).sum()
    assert tail.beyond_share == pytest.approx((lead >= tail.end_h).mean())
    assert 0 < tail.beyond_share <= 0.005
    assert tail.longest_h == pytest.approx(lead.max())
    curves = lead_within(tables.lead_bins, tables.lead_groups, "down", ["tier"], tail.end_h)
    spec = lead_chart(curves, tables.lead_groups, "down", tail.end_h).to_dict()
    assert spec["layer"][0]["encoding"]["x"]["scale"]["domain"] == [0, tail.end_h]
    assert spec_rows(spec)["lead_h"].max() <= tail.end_h
    with speaking("en"):
        said = tail_sentence(tail)
    assert f"{percent(tail.beyond_share)} of delivered parcels took longer than " \
           f"{number(tail.end_h)} h, the longest {number(lead.max())} h" in said
    assert tail.not_through == tables.lead_groups.query(
        "flow == 'down' and county == ''")["parcels"].sum() - len(lead)


def test_counties_are_rows_with_median_and_95th_percentile_against_the_target(run):
    results, tables = run
    spec = county_chart(tables.lead_groups, "down").to_dict()
    assert spec["facet"]["column"]["field"] == "tier"
    rows = spec_rows(spec)
    assert set(rows["county"]) == set(results.outcomes.county_names)
    village = rows[rows["tier"] == "village"].iloc[0]
    assert village["target_h"] == 40.0
    assert village["verdict"].startswith("95th percentile " + (
        "beyond" if village["p95"] > 40.0 else "within"))


def test_time_is_shown_as_calendar_dates(run):
    results, _tables = run
    start = dt.date.fromisoformat(results.summary["run"]["start_date"])
    hours = results.facility_hours().assign(facility="x")
    spec = facility_lines(hours, "parcels_mean", start).to_dict()
    assert spec["encoding"]["x"]["type"] == "temporal"
    times = pd.to_datetime(spec_rows(spec)["time"])
    assert times.min() == pd.Timestamp(start)
    assert times.max() == pd.Timestamp(start) + pd.Timedelta(hours=hours["hour"].max())


def test_the_heatmap_is_facility_by_day_most_pressed_first(run):
    results, tables = run
    days = tables.facility_days
    names = Names(dict(zip(results.output.network.tree.ids.astype(str),
                           results.output.network.tree.names.astype(str), strict=True)))
    labels = {n: facility_label(names, n, k, c) for n, k, c in
              zip(days["node"], days["kind"], days["county"], strict=True)}
    order = [labels[r.removeprefix("sorting:")] for r in results.bottlenecks.query(
        "kind == 'sorting line'")["resource"]]
    start = dt.date.fromisoformat(results.summary["run"]["start_date"])
    spec = facility_heatmap(days.assign(facility=days["node"].map(labels)), "busy_share",
                            start, order).to_dict()
    assert spec["mark"]["type"] == "rect"
    assert spec["encoding"]["y"]["field"] == "facility"
    assert spec["encoding"]["y"]["sort"] == order
    assert spec["encoding"]["x"]["field"] == "date"
    assert spec["encoding"]["x"]["timeUnit"] == "yearmonthdate"
    assert spec["encoding"]["color"]["scale"]["domain"] == [0, 1]  # the same in every run
    rows = spec_rows(spec)
    assert len(rows) == rows["facility"].nunique() * rows["date"].nunique()
    assert rows["date"].nunique() == math.ceil(results.output.end_h / 24)


def test_a_facilitys_day_adds_up_its_hours(run):
    results, tables = run
    hours = results.facility_hours()
    hours = hours.assign(day=hours["hour"] // 24)
    daily = hours.groupby(["node", "day"]).agg(
        arrived=("arrived", "sum"), sorted=("sorted", "sum"), mean=("backlog", "mean"),
        peak=("backlog_end", "max"))
    days = tables.facility_days.set_index(["node", "day"])
    assert (days["arrived"] == daily["arrived"]).all()
    assert (days["sorted"] == daily["sorted"]).all()
    assert np.allclose(days["parcels_mean"], daily["mean"])
    assert (days["parcels_peak"] == daily["peak"]).all()
    busy = days["busy_share"].dropna()
    assert busy.between(0, 1 + 1e-9).all() and busy.max() > 0


def test_the_gantt_has_one_bar_per_trip_of_that_route_and_day(run):
    results, tables = run
    trips = results.trips()
    route = trips.groupby("route").size().idxmax()
    day = busiest_day(tables.trips, route)
    mine = trips[(trips["route"] == route) & (trips["depart_h"] // 24 == day)]
    chosen = day_trips(tables.trips, route, day)
    assert len(chosen) == len(mine) > 0
    start = dt.date.fromisoformat(results.summary["run"]["start_date"])
    spec = trips_gantt(chosen, start, day, "title").to_dict()
    assert spec["mark"]["type"] == "bar"
    assert spec["encoding"]["x"]["type"] == "temporal"
    assert spec["encoding"]["x2"]["field"] == "back"
    rows = spec_rows(spec)
    assert len(rows) == len(mine)
    assert rows["vehicle"].nunique() == mine["vehicle"].nunique()
    assert sorted(rows["down"]) == sorted(mine["down_parcels"])
    tooltips = {t["field"] for t in spec["encoding"]["tooltip"]}
    assert {"down", "up", "peak"} <= tooltips


def titles(spec: object) -> list[str]:
    """Every title and tooltip title in a chart spec."""
    if isinstance(spec, dict):
        found = [v for k, v in spec.items() if k == "title" and isinstance(v, str)]
        return found + [t for v in spec.values() for t in titles(v)]
    if isinstance(spec, list):
        return [t for v in spec for t in titles(v)]
    return []


@pytest.mark.parametrize(("language", "words"), [
    ("zh", ["时效（小时）", "居民所在地", "目标时限（小时）", "按居民所在地"]),
    ("en", ["Lead time (h)", "Where the resident lives", "Target (h)",
            "By where the resident lives"])])
def test_titles_speak_the_language_in_force(run, language, words):
    _results, tables = run
    with speaking(language):
        tail = lead_tail(tables.lead_bins, tables.lead_groups, "down")
        curves = lead_within(tables.lead_bins, tables.lead_groups, "down", ["tier"],
                             tail.end_h)
        spec = lead_chart(curves, tables.lead_groups, "down", tail.end_h).to_dict()
        said = tail_sentence(tail)
    shown = titles(spec)
    assert all(word in shown for word in words), shown
    tiers = set(spec_rows(spec)["tier"].dropna())
    assert tiers == ({"县城", "乡镇集镇", "行政村"} if language == "zh"
                     else {"county seat", "township town", "village"})
    assert ("小时" in said) == (language == "zh")


def test_the_sweep_band_is_titled_by_readable_names_and_takes_modes():
    points = pd.DataFrame({"set.operations.village": ["joint", "bus"],
                           "on_time_rate.mean": [0.9, 0.8], "on_time_rate.ci_low": [0.85, 0.7],
                           "on_time_rate.ci_high": [0.95, 0.9]})
    with speaking("zh"):
        spec = sweep_band(points, "operations.village", "on_time_rate", "村级段运营模式",
                          "准时率").to_dict()
    assert spec["layer"][0]["encoding"]["x"] == {
        "field": "lever", "type": "nominal", "title": "村级段运营模式", "sort": None,
        "axis": {"labelAngle": 0}}
    assert spec["layer"][0]["encoding"]["y"]["title"] == "准时率"
    assert "95%置信区间下限" in titles(spec)
    assert list(spec_rows(spec)["lever"]) == ["joint", "bus"]
    numeric = points.assign(**{"set.operations.village": ["1", "2"]})
    spec = sweep_band(numeric, "operations.village", "on_time_rate").to_dict()
    assert spec["layer"][0]["encoding"]["x"]["type"] == "quantitative"


@pytest.mark.parametrize("language", ["en", "zh"])
def test_the_tabs_answer_and_their_choices_redraw_without_errors(language):
    page = open_page("tutorial.yaml", language)
    record = page.session_state["last"]
    tail = lead_tail(record.charts.lead_bins, record.charts.lead_groups, "down")
    captions = [c.value for c in page.caption]
    with speaking(language):
        said = tail_sentence(tail)
    assert any(c.startswith(said) for c in captions), captions
    with speaking(language):  # the widgets format their options in the page's language
        next(r for r in page.radio if r.key == "lead_times.flow").set_value("up").run()
        assert not page.exception
        said = tail_sentence(lead_tail(record.charts.lead_bins, record.charts.lead_groups,
                                       "up"))
        assert any(c.value.startswith(said) for c in page.caption)
        next(r for r in page.radio if r.key == "facilities.measure").set_value(
            "parcels_peak").run()
        assert not page.exception
        trips = record.charts.trips
        route = trips.loc[trips["fleet"] == "village", "route"].iloc[-1]
        next(s for s in page.selectbox if s.key == "facilities.route").set_value(route).run()
        assert not page.exception
        chosen = day_trips(trips, route, busiest_day(trips, route))
        assert any(number(chosen["down_parcels"].sum()) in c.value
                   and number(len(chosen)) in c.value for c in page.caption)
        charts = len(page.get("vega_lite_chart"))
        page.toggle(key="lead_times.by_county").set_value(True).run()
        assert not page.exception
        assert len(page.get("vega_lite_chart")) == charts + 1  # drawn once asked for
    subheaders = [s.value for s in page.subheader]
    assert ("各场站逐日情况" in subheaders) == (language == "zh")
    assert ("Facilities day by day" in subheaders) == (language == "en")
