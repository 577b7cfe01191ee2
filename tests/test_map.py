"""The map a planner reads: county boundaries, Chinese labels, fixed colour scales, filled
tooltips and a day slider replaying the run, on its own and on the page."""

from __future__ import annotations

import base64
import io
import json
import re
import zipfile

import numpy as np
import pandas as pd
import pytest
import yaml
from streamlit.testing.v1 import AppTest

from sim import api
from sim.i18n import speaking
from sim.results.views import edge_view, map_days, node_view
from sim.scenario import with_overrides
from sim.ui import drawings, maps
from sim.ui.runs import CONFIGS, app_files, execute, load_for_app

from .pages import open_page

KAIFENG_COUNTIES = {"祥符区", "杞县", "通许县", "尉氏县", "兰考县"}
PLACEHOLDER = re.compile(r"[{}]|(^|\s)-(\s|$)")  # a template left unfilled, or a bare dash


@pytest.fixture(scope="module")
def tutorial():
    return load_for_app("tutorial.yaml", app_files())


@pytest.fixture(scope="module")
def normal(tutorial):
    return execute(tutorial, "normal", [])


@pytest.fixture(scope="module")
def overloaded(tutorial):
    return execute(tutorial, "Double 11", ["demand.multiplier=1.9"])


@pytest.fixture(scope="module")
def pickup(tutorial):
    """Villagers collect at the station: the village points hold no shelf."""
    return execute(tutorial, "pickup", ["operations.village=station_pickup"])


@pytest.fixture(scope="module")
def harvest():
    """A short run with goods: goods hubs and their reefer and truck loops on the map."""
    scenario = load_for_app("harvest_peak.yaml", app_files())
    return execute(scenario, "harvest", ["run.days=3", "run.warmup_days=1",
                                         "run.drain_days=1", "demand.multiplier=0.1"])


def deck_json(deck) -> dict:
    return json.loads(deck.to_json())


def unfilled(tips) -> list[str]:
    return [tip for tip in tips if not tip or PLACEHOLDER.search(tip)]


@pytest.mark.parametrize("lang", ["zh", "en"])
@pytest.mark.parametrize("colour_by", ["lead", "use"])
@pytest.mark.parametrize("run", ["normal", "overloaded", "pickup", "harvest"])
def test_every_tooltip_is_one_template_filled_on_every_row(run, colour_by, lang, request):
    record = request.getfixturevalue(run)
    with speaking(lang):
        deck = maps.deck(maps.run_parts(record, colour_by, 1))
    assert deck._tooltip["text"] == "{tip}"
    for layer in deck_json(deck)["layers"]:
        if layer.get("pickable"):
            tips = [row["tip"] for row in layer["data"]]
            assert tips and not unfilled(tips), (layer["id"], unfilled(tips)[:3])


def test_tooltips_say_in_words_what_was_not_measured(normal):
    with speaking("en"):
        nodes = deck_json(maps.deck(maps.run_parts(normal, "lead", 1)))["layers"]
    places = next(layer for layer in nodes if layer["id"] == "places")["data"]
    gateway = next(row["tip"] for row in places if row["id"] == "GW")
    assert "Nobody lives here" in gateway and "no count of waiting parcels" in gateway
    village = next(row["tip"] for row in places if row["id"].startswith("V"))
    assert re.search(r"mean lead time [\d.]+ h, target 48 h", village), village
    assert "竖岗镇" in places[[row["id"] for row in places].index("S410222101")]["tip"]


def test_a_value_has_the_same_colour_whatever_else_is_in_the_run():
    """Fixed scales: green within the target, amber to 1.5 times it, red beyond, grey for
    nothing measured; utilisation on 0-100% with its own colour above 100%."""
    alone = maps.band_colours(np.array([0.9]), maps.LEAD_BANDS)
    for others in ([0.1, 0.2], [3.0, 40.0], [np.nan]):
        assert maps.band_colours(np.array([0.9, *others]), maps.LEAD_BANDS)[0] == alone[0]
    colours = maps.band_colours(np.array([0.5, 1.0, 1.2, 1.5, 1.6, np.inf, np.nan]),
                                maps.LEAD_BANDS)
    assert [c[:3] for c in colours] == [list(maps.GREEN)] * 2 + [list(maps.AMBER)] * 2 \
        + [list(maps.RED)] * 2 + [list(maps.GREY)]
    use = maps.banded(np.array([0.0, 0.49, 0.99, 1.0, 1.01, 7.0]), maps.USE_BANDS)
    assert use.tolist() == [0, 0, 3, 3, 4, 4]
    assert maps.USE_BANDS[4][1] not in [band[1] for band in maps.USE_BANDS[:4]]
    assert maps.load_widths(np.array([500.0]), ["parcels"]) == maps.load_widths(
        np.array([500.0, 1e6, 0.0]), ["parcels"] * 3)[:1]


def test_a_collapse_looks_different_from_a_normal_day(normal, overloaded):
    """The same scale for both runs: at 1.9x volume the tutorial's places leave green."""
    def greens(record) -> int:
        colours = deck_json(maps.deck(maps.run_parts(record, "lead", 1)))["layers"]
        places = next(layer for layer in colours if layer["id"] == "places")["data"]
        return sum(row["colour"][:3] == list(maps.GREEN) for row in places)

    assert greens(normal) == len(normal.nodes) - 2  # all but the gateway and the hub
    assert greens(overloaded) < len(overloaded.nodes) / 4


def test_the_boundary_layer_holds_the_scenarios_counties(normal):
    kaifeng = load_for_app("kaifeng.yaml", app_files())
    boundaries = maps.read_boundaries(kaifeng)
    assert {county.name for county in boundaries.counties} == KAIFENG_COUNTIES
    parks = kaifeng.nodes[kaifeng.nodes["kind"] == "park"]
    assert set(maps.county_names(parks, boundaries).values()) == KAIFENG_COUNTIES
    places = parks.assign(county=parks["id"])  # whatever the table calls its counties
    assert set(maps.county_names(places, boundaries).values()) == KAIFENG_COUNTIES
    deck = deck_json(maps.deck(maps.run_parts(normal, "lead", 1)))
    polygons = next(layer for layer in deck["layers"] if layer["id"] == "boundaries")
    assert polygons["@@type"] == "PolygonLayer"
    assert {row["tip"].split(":")[0] for row in polygons["data"]} == {"通许县"}


def test_the_bundled_boundaries_are_the_source_polygons_unchanged():
    source = json.loads((CONFIGS / "kaifeng/source/districts.geojson").read_text("utf-8"))
    by_code = {feature["properties"]["gb"]: feature for feature in source["features"]}
    for folder in ("kaifeng", "tutorial", "modes"):
        features = json.loads((CONFIGS / folder / "boundaries.geojson").read_text("utf-8"))[
            "features"]
        assert features and all(f == by_code[f["properties"]["gb"]] for f in features)
        nodes = pd.read_csv(CONFIGS / folder / "nodes.csv", dtype=str)
        parks = nodes.loc[nodes["kind"] == "park", "code"]
        assert sorted("156" + parks) == sorted(f["properties"]["gb"] for f in features)


def test_the_labels_are_chinese_names_in_a_font_that_has_them(normal):
    deck = deck_json(maps.deck(maps.run_parts(normal, "lead", 1)))
    labels = {layer["id"]: layer for layer in deck["layers"] if layer["@@type"] == "TextLayer"}
    assert [row["text"] for row in labels["county-names"]["data"]] == ["通许县"]
    townships = {row["text"] for row in labels["township-names"]["data"]}
    assert townships == {"竖岗镇", "玉皇庙镇", "朱砂镇", "练城乡"}
    for layer in labels.values():
        assert layer["characterSet"] == "auto"
        assert layer["fontFamily"].startswith("Noto Sans CJK SC")
    assert labels["township-names"]["sizeUnits"] == "meters"  # legible when zoomed in


def test_the_map_needs_no_tile_server(normal):
    deck = maps.deck(maps.run_parts(normal, "use", 0))
    drawn = deck_json(deck)
    assert deck.map_provider is None and not drawn.get("mapProvider")
    assert "http" not in json.dumps(drawn)  # no tiles, styles or fonts fetched


def test_the_day_tables_replay_the_run(tutorial, overloaded):
    results = api.run(with_overrides(tutorial, ["demand.multiplier=1.9"]))
    days = map_days(results)
    hours = results.facility_hours()
    ends = hours[hours["hour"] % 24 == 23].pivot(index="node", columns="hour",
                                                  values="backlog_end")
    facilities = days.backlog.loc[ends.index]
    assert (facilities.to_numpy() == ends.to_numpy()).all()
    # parcels on a village shelf at a day's end, counted parcel by parcel
    times, ledger = results.output.ledger.times, results.output.ledger
    village = results.output.network.tree.index_of()["V410222101200"]
    mine = (ledger.destination == village) & (ledger.flow == 0)
    for day in range(len(days.backlog.columns)):
        end = 24.0 * (day + 1)
        held = mine & (times["point_arr"] < end) & ~(times["done"] < end)
        assert days.backlog.loc["V410222101200", day] == held.sum()
    trips = results.trips()
    total = (trips["down_parcels"] + trips["up_parcels"]).groupby(trips["route"]).sum()
    assert days.carried.sum(axis=1).reindex(total.index).to_numpy() == pytest.approx(
        total.to_numpy())
    park = days.backlog.loc["P410222", :results.output.scenario.config.run.days - 1]
    assert (park.diff().dropna() > 0).all()  # the overload builds day by day
    assert overloaded.map_days.backlog.equals(days.backlog)  # same seed, same replay


def test_the_run_keeps_its_map_tables_small(harvest):
    nodes, loops, days = harvest.nodes, harvest.edges, harvest.map_days
    assert set(nodes.loc[nodes["kind"] == "goods_hub", "id"]) >= {"qi_base", "lankao_base"}
    assert {"reefer", "truck"} <= set(loops["fleet"])
    assert set(loops["route"]) <= set(days.carried.index)
    assert set(days.backlog.index) <= set(nodes["id"])
    assert days.backlog.shape[1] == days.carried.shape[1] == days.waiting.shape[1]


def test_node_view_counts_parcels_still_inside_against_their_targets(overloaded):
    nodes = overloaded.nodes.set_index("id")
    assert nodes.loc["V410222101200", "target_h"] == 48.0
    assert nodes.loc["P410222", "target_h"] == 24.0
    assert nodes["still_inside"].sum() > 0
    ratio = maps.lead_ratio(overloaded.nodes)
    stuck = (nodes["parcels"] > 0) & (nodes["parcels"] == nodes["still_inside"])
    assert np.isinf(ratio[stuck.to_numpy()]).all()


@pytest.mark.parametrize("data", [
    b"\xff\xfe not utf-8",
    b"SECRET {{{ not json",
    b"[1, 2, 3]",
    b'{"type": "Feature", "features": []}',
    b'{"type": "FeatureCollection", "features": {}}',
    b'{"type": "FeatureCollection", "features": [{"SECRET": 1}]}',
    b'{"type": "FeatureCollection", "features": [{"properties": {}, "geometry": '
    b'{"type": "Polygon", "coordinates": [[[0,0],[1,0],[1,1],[0,0]]]}}]}',
    b'{"type": "FeatureCollection", "features": [{"properties": {"name": "x"}, "geometry": '
    b'{"type": "Point", "coordinates": [0, 0]}}]}',
    b'{"type": "FeatureCollection", "features": [{"properties": {"name": "x"}, "geometry": '
    b'{"type": "Polygon", "coordinates": [[[0,0],[1,0],[0,0]]]}}]}',
    b'{"type": "FeatureCollection", "features": [{"properties": {"name": "x"}, "geometry": '
    b'{"type": "Polygon", "coordinates": [[[0,0],[999,0],[1,1],[0,0]]]}}]}',
    b'{"type": "FeatureCollection", "features": [{"properties": {"name": "x"}, "geometry": '
    b'{"type": "Polygon", "coordinates": [[[0,0],[NaN,0],[1,1],[0,0]]]}}]}',
    b'{"type": "FeatureCollection", "features": [{"properties": {"name": "x"}, "geometry": '
    b'{"type": "Polygon", "coordinates": [[[0,0],[true,0],[1,1],[0,0]]]}}]}',
    b"[" * 100_000 + b"]" * 100_000,
])
def test_a_malformed_boundaries_file_is_refused_as_such(data):
    with pytest.raises(ValueError):
        maps.parse_boundaries(data)


def test_a_boundaries_file_too_detailed_to_draw_is_refused():
    ring = [[0.0, 0.0], [1.0, 0.0], [1.0, 1.0], [0.0, 0.0]] * (maps.MAX_BOUNDARY_POINTS // 4)
    feature = {"type": "Feature", "properties": {"name": "x"},
               "geometry": {"type": "Polygon", "coordinates": [ring, ring[:8]]}}
    data = json.dumps({"type": "FeatureCollection", "features": [feature]}).encode()
    with pytest.raises(OverflowError):
        maps.parse_boundaries(data)


def upload(files: dict[str, bytes]) -> AppTest:
    """The page in English after running an uploaded zip of `files`."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in files.items():
            archive.writestr(name, data)
    at = open_page("tutorial.yaml")
    at.sidebar.file_uploader[0].set_value(("mine.zip", buffer.getvalue(), "application/zip"))
    at.run()
    next(b for b in at.sidebar.button if b.label == "Run").click()
    at.run()
    assert not at.exception, at.exception
    return at


def my_scenario() -> dict[str, bytes]:
    raw = yaml.safe_load((CONFIGS / "tutorial.yaml").read_text(encoding="utf-8"))
    raw["network"]["nodes"] = "own.csv"
    raw["run"].update(days=2, warmup_days=0, drain_days=1)
    return {"my.yaml": yaml.safe_dump(raw, allow_unicode=True).encode(),
            "own.csv": (CONFIGS / "tutorial/nodes.csv").read_bytes()}


def test_a_malformed_boundaries_file_in_an_upload_is_a_message_that_never_quotes_it():
    at = upload({**my_scenario(), "boundaries.geojson": b'{"SECRET": [1, {"x": "y"}]}'})
    warnings = [w.value for w in at.warning]
    assert any("boundaries.geojson is not a boundaries file" in w for w in warnings), warnings
    shown = " ".join(warnings + [e.value for e in at.error] + [m.value for m in at.markdown]
                     + [c.value for c in at.caption])
    assert "SECRET" not in shown
    assert not at.error, [e.value for e in at.error]
    assert at.get("deck_gl_json_chart"), "the map is drawn without boundaries"


def test_an_upload_may_bring_its_own_boundaries():
    square = [[114.2, 34.2], [114.8, 34.2], [114.8, 34.7], [114.2, 34.7], [114.2, 34.2]]
    own = {"type": "FeatureCollection", "features": [{
        "type": "Feature", "properties": {"name": "试验县"},
        "geometry": {"type": "Polygon", "coordinates": [square]}}]}
    at = upload({**my_scenario(), "boundaries.geojson": json.dumps(own).encode()})
    record = at.session_state["last"]
    assert [county.name for county in record.boundaries.counties] == ["试验县"]
    deck = json.loads(at.get("deck_gl_json_chart")[0].proto.json)
    names = next(layer for layer in deck["layers"] if layer["id"] == "county-names")
    assert [row["text"] for row in names["data"]] == ["试验县"]


def map_chart(at: AppTest) -> tuple[dict, dict]:
    chart = next(c for c in at.get("deck_gl_json_chart") if "loops" in c.proto.json)
    return json.loads(chart.proto.json), json.loads(chart.proto.tooltip)


def test_the_page_map_has_filled_tooltips_and_a_day_slider_that_replays_the_run():
    at = open_page("tutorial.yaml")
    deck, tooltip = map_chart(at)
    assert tooltip["text"] == "{tip}"
    for layer in deck["layers"]:
        if layer.get("pickable"):
            assert not unfilled(row["tip"] for row in layer["data"]), layer["id"]
    made = at.session_state["last"].made
    slider = next(s for s in at.select_slider if s.label.startswith("Day"))
    first = slider.value
    slider.set_value(0)
    at.run()
    assert not at.exception, at.exception
    moved, _tooltip = map_chart(at)
    assert moved != deck
    loops = [next(layer for layer in d["layers"] if layer["id"] == "loops")["data"]
             for d in (deck, moved)]
    assert [row["width"] for row in loops[0]] != [row["width"] for row in loops[1]]
    assert all("Mar 2" in row["tip"] for row in loops[1]) and first != 0
    assert at.session_state["last"].made == made  # the run was not made again
    next(r for r in at.radio if r.label == "Colour places by").set_value("use")
    at.run()
    recoloured, _tooltip = map_chart(at)
    places = [next(layer for layer in d["layers"] if layer["id"] == "places")["data"]
              for d in (moved, recoloured)]
    assert [row["colour"] for row in places[0]] != [row["colour"] for row in places[1]]


def test_the_page_map_speaks_chinese():
    at = open_page("tutorial.yaml", lang="zh")
    deck, _tooltip = map_chart(at)
    places = next(layer for layer in deck["layers"] if layer["id"] == "places")["data"]
    village = next(row["tip"] for row in places if row["id"].startswith("V"))
    assert "村级" in village and "小时" in village, village
    assert not re.search(r"[A-Za-z]{4,}", village), village


def test_the_network_shows_before_any_run_as_a_picture():
    def page() -> None:
        from sim.network import build_network
        from sim.ui.landing import show_network
        from sim.ui.runs import app_files, load_for_app

        scenario = load_for_app("tutorial.yaml", app_files())
        show_network(scenario, build_network(scenario), "教程")

    at = AppTest.from_function(page)
    at.run()
    assert not at.exception, at.exception
    link = at.get("image")[0].proto.imgs[0].url  # an SVG, as a data link
    picture = base64.b64decode(link.removeprefix("data:image/svg+xml;base64,")).decode()
    nodes = load_for_app("tutorial.yaml", app_files()).nodes
    kinds = nodes["kind"].value_counts()
    assert picture.count("h0") == kinds["point"]  # every village a dot
    assert picture.count("<circle") == kinds["station"] + kinds["park"]
    assert "教程" in picture and "通许县" in picture  # named as the scenario names them
    assert picture.count("<polyline") >= kinds["station"]  # a loop from every station
    colours = {drawings.hex_colour(maps.KIND_COLOURS[k]) for k in ("park", "station", "point")}
    assert all(colour in picture for colour in colours)  # the Map tab's colours, by kind
    legend = " ".join(element.value for element in at.markdown)
    assert all("background:rgb({},{},{})".format(*maps.KIND_COLOURS[k]) in legend
               for k in ("park", "station", "point"))


def test_node_and_edge_views_keep_their_columns(tutorial):
    results = api.run(tutorial)
    nodes, loops = node_view(results), edge_view(results)
    assert {"id", "name", "kind", "county", "lon", "lat", "parcels", "mean_lead_h",
            "utilisation"} <= set(nodes.columns)
    assert {"route", "fleet", "path", "per_day", "unit"} <= set(loops.columns)
