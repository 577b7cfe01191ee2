"""The province view, driven by streamlit.testing on three cities of Henan: the cities run
apart, the counties on a map (one point each, never the villages), tables of the cities and
the counties, and a city chosen in the sidebar run alone like any scenario."""

from __future__ import annotations

import io
import json
import zipfile

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from sim import api
from sim.experiment.split.parts import part_scenario
from sim.scenario import with_overrides
from sim.ui.cities import cities, city_rows, city_scenario
from sim.ui.runs import app_files, load_for_app

from .pages import open_page

SCENARIO = "henan_three_cities.yaml"


@pytest.fixture(scope="module")
def scenario():
    return load_for_app(SCENARIO, app_files())


@pytest.fixture(scope="module")
def page() -> AppTest:
    """The page in English on the three cities, after the province run it opens on."""
    return open_page(SCENARIO)


def layers(at: AppTest) -> dict[str, list]:
    """The map's layers' rows, by layer id."""
    (chart,) = at.get("deck_gl_json_chart")
    return {layer["id"]: layer["data"] for layer in json.loads(chart.proto.json)["layers"]}


def table(at: AppTest, heading: str) -> pd.DataFrame:
    """The page's table whose first column has this heading (as the page writes it)."""
    for frame in at.dataframe:
        config = json.loads(frame.proto.columns)
        first = next(iter(config.values()))
        if first.get("label") == heading:
            return frame.value
    raise AssertionError(f"no table headed {heading!r}")


def choose_city(at: AppTest, hub: str) -> None:
    next(s for s in at.sidebar.selectbox if s.label == "City").set_value(hub)
    at.run()
    assert not at.exception, at.exception


def test_the_province_view_shows_the_cities_and_maps_one_point_per_county(page, scenario):
    nodes = scenario.nodes
    hubs = nodes.loc[nodes["kind"] == "hub", "name"].tolist()
    parks = nodes[nodes["kind"] == "park"]
    assert len(hubs) == 3 and len(parks) == 11
    assert not page.tabs, "the province has no single network's tabs"
    assert "On time" in [m.label for m in page.metric]
    shown = page.session_state["last_province"]
    assert shown.kpis["on_time_rate"] == shown.summary["on_time_rate"]

    cities_shown = table(page, "city (its distribution centre)")
    assert cities_shown["name"].tolist() == hubs
    assert cities_shown["parcels"].sum() == shown.summary["parcels"]["measured"]
    counties = table(page, "county")
    assert sorted(counties["name"]) == sorted(parks["county"]) == sorted(
        shown.summary["by_county"])
    assert set(counties["city"]) == set(hubs)

    drawn = layers(page)
    assert len(drawn["counties"]) == len(parks)  # one point per county, none per village
    assert len(drawn["hubs"]) == 4 and len(drawn["trunk"]) == 3  # gateway and hubs
    assert max(len(rows) for rows in drawn.values()) == len(parks)
    tips = [row["tip"] for row in drawn["counties"]]
    assert all(tip.splitlines()[0] in set(parks["county"]) for tip in tips)
    assert all("On time: " in tip and "Lead time p95: " in tip for tip in tips)

    sentences = "\n".join(m.value for m in page.markdown)
    assert "On time by city:" in sentences and "On time by county:" in sentences


def test_choosing_a_city_runs_it_alone_as_the_province_ran_it(page, scenario):
    province = page.session_state["last_province"]
    hub, name = "H4106", "鹤壁市快递物流分拨中心"
    choose_city(page, hub)
    record = page.session_state["last"]
    assert name in record.summary["scenario"]
    nodes = scenario.nodes
    own = nodes[nodes["id"].isin(record.nodes["id"])]
    assert set(own["kind"]) == {"gateway", "hub", "park", "station", "point"}
    assert set(own.loc[own["kind"] == "hub", "id"]) == {hub}
    assert [t.label for t in page.tabs][:2] == ["Map", "Lead times"]  # the usual tabs
    # its villages are on its map now, one point each
    villages = (own["kind"] == "point").sum()
    assert len(layers(page)["places"]) == len(own) and villages > 700
    # the same city, the same numbers: run alone as it ran inside the province
    row = province.cities.set_index("hub").loc[hub]
    assert record.summary["on_time_rate"] == row["on_time_rate"]
    assert record.summary["lead_time_h"]["p95"] == row["p95_h"]

    choose_city(page, "")  # back to the province, kept from before
    assert page.session_state["last_province"] is province
    assert not page.tabs


def test_a_city_s_download_runs_the_city_alone(page, tmp_path):
    choose_city(page, "H4190")
    record = page.session_state["last"]
    with zipfile.ZipFile(io.BytesIO(record.scenario_zip)) as archive:
        assert sorted(archive.namelist()) == ["henan/three_cities-H4190.csv", "scenario.yaml"]
        archive.extractall(tmp_path)
    again = api.run(tmp_path / "scenario.yaml")
    assert again.summary["on_time_rate"] == record.summary["on_time_rate"]
    choose_city(page, "")


def test_a_city_cut_from_the_province_is_the_part_it_runs_as(scenario):
    parts = cities(scenario)
    assert [part.hub for part in parts] == ["H4106", "H4111", "H4190"]
    for part in parts:
        city = city_scenario(scenario, part)
        cut = part_scenario(scenario, part)
        assert city.nodes["id"].tolist() == cut.nodes["id"].tolist()
        assert city.nodes.equals(cut.nodes)
        # a lever re-reads the city's table, never the province's
        assert len(with_overrides(city, ["run.days=2"]).nodes) == len(cut.nodes)
    assert cities(load_for_app("tutorial.yaml", app_files())) == []  # one city


def test_city_rows_keeps_the_header_and_the_chosen_rows():
    data = "\ufeffid,name\nA,\"x, y\"\nB,b\nC,c\n".encode()
    assert city_rows(data, lambda row: row["id"] != "B") == b'id,name\nA,"x, y"\nC,c\n'


def test_a_lever_beyond_the_server_s_ceiling_per_city_says_so(monkeypatch):
    """The ceiling bounds each city, not the province: the three cities expect about
    671,000 parcels together, the largest about 341,000."""
    monkeypatch.setenv("SIM_APP_MAX_PARCELS", "400000")
    at = open_page(SCENARIO)
    assert at.session_state["last_province"].largest[1] < 400_000
    next(s for s in at.sidebar.slider if s.label.startswith("Volume multiplier")).set_value(1.5)
    next(b for b in at.sidebar.button if b.label == "Run").click()
    at.run()
    assert not at.exception, at.exception
    errors = [e.value for e in at.error]
    assert any("SIM_APP_MAX_PARCELS" in e for e in errors), errors
    assert any("each city of a province must stay within the server's ceilings" in i.value
               for i in at.info)
