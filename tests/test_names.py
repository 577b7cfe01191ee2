"""Places in Chinese as the node table writes them, things by readable names, and the
command line's tables in the planner's language."""

from __future__ import annotations

import json
import re

import pandas as pd
import pytest
from typer.testing import CliRunner

from scripts import build_county, build_tutorial
from sim import i18n
from sim.cli import app
from sim.results.columns import BOTTLENECKS, PRODUCTS, bottleneck_rows, written
from sim.results.goods import (
    FLEET_COLUMNS,
    HUB_COLUMNS,
    PLACE_COLUMNS,
    PRODUCT_COLUMNS,
    fleet_frame,
    hub_frame,
    place_frame,
    product_frame,
)
from sim.results.names import Names, listed
from sim.scenario import load_scenario
from sim.ui.tabs.cold_chain import spoilage_sentence

from .conftest import CONFIGS, KAIFENG, TUTORIAL
from .pages import open_page

runner = CliRunner()
COUNTIES = {"410212": "祥符区", "410221": "杞县", "410222": "通许县", "410223": "尉氏县",
            "410225": "兰考县"}
LATIN = re.compile(r"[A-Za-z]")
# a snake_case word that is not a file name (bottlenecks.csv, replication_kpis.csv)
SNAKE = re.compile(r"\b[a-z]+(?:_[a-z0-9]+)+\b(?!\.)")
TOWNSHIP_LOOP = "route:township:P410222:1"


def node_table(name: str) -> pd.DataFrame:
    return pd.read_csv(CONFIGS / name / "nodes.csv", dtype=str, keep_default_na=False)


# --- places in Chinese ---------------------------------------------------------------------


@pytest.mark.parametrize("name", ["kaifeng", "tutorial", "modes", "validation"])
def test_every_bundled_node_table_names_places_in_chinese(name):
    table = node_table(name)
    named = table[table["county"] != ""]
    assert len(named), "no counties"
    assert not named["county"].str.contains(LATIN).any()
    assert not table["name"].str.contains(LATIN).any()  # the gateway and hub too


def test_the_kaifeng_counties_are_those_of_the_census_table():
    table = node_table("kaifeng")
    parks = table[table["kind"] == "park"].set_index("code")["county"]
    assert parks.to_dict() == COUNTIES
    source = pd.read_csv(CONFIGS / "kaifeng" / "source" / "counties.csv", dtype=str)
    assert set(COUNTIES.values()) <= set(source["name"])


def test_the_cut_down_tables_are_what_their_scripts_build():
    kaifeng = node_table("kaifeng")
    counted = kaifeng.assign(population=kaifeng["population"].astype(int))
    tutorial = build_tutorial.build(counted).to_csv(index=False, lineterminator="\n")
    assert tutorial == (CONFIGS / "tutorial" / "nodes.csv").read_text(encoding="utf-8")
    county = build_county.county_table(kaifeng, "通许县").to_csv(index=False,
                                                                 lineterminator="\n")
    assert county == (CONFIGS / "modes" / "nodes.csv").read_text(encoding="utf-8")


def test_the_kaifeng_table_is_what_its_script_builds(tmp_path):
    from scripts import build_kaifeng

    out = tmp_path / "nodes.csv"
    build_kaifeng.main(["--out", str(out)])
    assert out.read_bytes() == (CONFIGS / "kaifeng" / "nodes.csv").read_bytes()


def test_the_goods_of_kaifeng_name_counties_as_the_node_table_does():
    config = load_scenario(KAIFENG).config
    counties = set(COUNTIES.values())
    assert {c for hub in config.hubs for c in hub.serves} == counties
    assert {c for product in config.products for c in product.counties} == counties
    assert all(hub.label and not LATIN.search(hub.label) for hub in config.hubs)
    assert all(product.label for product in config.products)


# --- readable names ------------------------------------------------------------------------


@pytest.fixture(scope="module")
def kaifeng_names() -> Names:
    return Names.of(load_scenario(KAIFENG))


@pytest.fixture(scope="module")
def modes_names() -> Names:
    return Names.of(load_scenario(CONFIGS / "modes.yaml"))


def test_resources_by_place_and_kind(kaifeng_names):
    with i18n.speaking("zh"):
        assert kaifeng_names.resource("sorting:P410221") == "杞县电商快递物流园 分拣线"
        assert kaifeng_names.resource("route:township:P410222:2") == \
            "通许县电商快递物流园 → 乡镇服务站 第2条线路"
        assert kaifeng_names.resource("route:courier:P410225") == \
            "兰考县电商快递物流园 县城送货上门"
    with i18n.speaking("en"):
        assert kaifeng_names.resource("sorting:HUB") == "开封区域商贸物流中心 sorting line"
        assert kaifeng_names.resource("route:township:P410222:2") == \
            "通许县电商快递物流园 → township stations loop 2"


def test_hubs_are_places_named_by_their_label_in_both_languages(kaifeng_names):
    for code in ("zh", "en"):
        with i18n.speaking(code):
            assert kaifeng_names.hub("qi_base") == "杞县国家级冷链物流基地"
            assert kaifeng_names.place("lankao_base") == "兰考县国家级冷链物流基地"
            assert kaifeng_names.place("杞县") == "杞县"
            fleet = kaifeng_names.freight_fleet("collect:qi_base")
            assert fleet.startswith("杞县国家级冷链物流基地 ")
    assert Names({}).hub("new_hub") == "new hub"  # no label: its name as words


def test_products_in_chinese_by_label_in_english_by_name_as_words(kaifeng_names):
    with i18n.speaking("zh"):
        assert kaifeng_names.product("mushroom") == "双孢菇"
        assert kaifeng_names.product("frozen_food") == "速冻食品"
        assert Names({}).product("frozen_food") == "frozen food"  # no label
    with i18n.speaking("en"):
        assert kaifeng_names.product("frozen_food") == "frozen food"
        assert kaifeng_names.product("mushroom") == "mushroom"


def test_carriers_by_label_in_chinese_also_inside_a_route(modes_names):
    with i18n.speaking("zh"):
        assert modes_names.carrier("China Post") == "中国邮政"
        assert modes_names.resource("route:village:S410222101:ZTO:2") == \
            "竖岗镇 → 村级网点 中通 第2条线路"
    with i18n.speaking("en"):
        assert modes_names.carrier("China Post") == "China Post"
        assert modes_names.resource("route:village:S410222101:ZTO:2") == \
            "竖岗镇 → village points ZTO loop 2"


def test_lists_read_as_each_language_writes_them():
    with i18n.speaking("zh"):
        assert listed(["双孢菇", "大蒜", "蜜瓜"]) == "双孢菇、大蒜和蜜瓜"
    with i18n.speaking("en"):
        assert listed(["garlic", "melon"]) == "garlic and melon"
    assert listed([]) == ""


# --- the frames both the command line and the app show ------------------------------------


def test_goods_frames_keep_their_columns_when_empty():
    """A scenario with hubs but no products (or none of a kind) still gets tables."""
    empty = {"products": {}, "hubs": {}, "fleets": {}}
    for frame, columns in ((product_frame, PRODUCT_COLUMNS), (place_frame, PLACE_COLUMNS),
                           (hub_frame, HUB_COLUMNS), (fleet_frame, FLEET_COLUMNS)):
        assert tuple(frame(empty).columns) == columns


def chain_with(products: dict, rate: float) -> dict:
    return {"spoilage_rate": rate, "products": {
        name: {"flow": "up", "chain": chain, "made_t": made, "tonnes_per_day": 1.0,
               "spoilage_rate": share, "in_network_t": 0.0,
               "lead_time_h": {"p50": 1.0, "p95": 2.0},
               "out_of_refrigeration_h": {"p50": 0.5, "p95": 1.0},
               "by_county": {county: {"made_t": made, "spoiled_t": made * share,
                                      "spoilage_rate": share}}}
        for name, (chain, made, share, county) in products.items()}}


def test_spoilage_is_stated_product_by_product_the_worst_first(kaifeng_names):
    chain = chain_with({"garlic": ("chilled", 500.0, 0.002, "杞县"),
                        "mushroom": ("chilled", 40.0, 0.167, "兰考县"),
                        "melon": ("chilled", 0.0, 0.0, "兰考县"),  # out of season
                        "outbound_freight": ("ambient", 100.0, 0.0, "land_port")}, 0.016)
    with i18n.speaking("zh"):
        sentence = spoilage_sentence(chain, kaifeng_names)
        assert sentence == "冷链货物按重量损耗1.6%：双孢菇 16.7%和大蒜 0.2%。"
    with i18n.speaking("en"):
        assert "mushroom 16.7% and garlic 0.2%" in spoilage_sentence(chain, kaifeng_names)
    places = place_frame(chain)
    assert places.set_index("product").loc["mushroom", "place"] == "兰考县"
    assert places.set_index("product").loc["outbound_freight", "place"] == "land_port"


def test_bottleneck_rows_put_the_name_first_and_the_code_last(kaifeng_names):
    table = pd.DataFrame([{"rank": 1, "resource": TOWNSHIP_LOOP, "kind": "vehicle route",
                           "tier": "township", "county": "通许县", "utilisation": 0.9819,
                           "throughput_per_day": 7181.9167, "peak_backlog": 1293.0,
                           "end_backlog": 0.0, "backlog_growth_per_day": -0.04,
                           "unstable": False}])
    with i18n.speaking("zh"):
        rows = bottleneck_rows(table, kaifeng_names)
        cells = [written(rows.iloc[0][c.key], c) for c in BOTTLENECKS]
    assert list(rows.columns) == [c.key for c in BOTTLENECKS]
    assert cells == ["通许县电商快递物流园 → 乡镇服务站 第1条线路", "通许县", "98.2%", "7,182",
                     "1,293", "0", "0.0", "", TOWNSHIP_LOOP]
    assert PRODUCTS[0].key == "name" and PRODUCTS[-1].key == "product"


# --- the command line in two languages -----------------------------------------------------


def run_tutorial_cli(tmp_path, *options: str, env: dict | None = None) -> str:
    out = tmp_path / "out"
    result = runner.invoke(app, [*options, "run", str(TUTORIAL), "--days", "2",
                                 "--no-parcels", "--out", str(out)], env=env)
    assert result.exit_code == 0, result.output
    return result.output.replace(str(out), "")


def test_the_command_line_speaks_chinese(tmp_path):
    output = run_tutorial_cli(tmp_path, "--lang", "zh")
    for text in ("分流向、分居住地的时效", "分县区时效", "中位数", "95%分位", "（小时）",
                 "准时率", "（%）", "县城24小时以内、乡镇集镇36小时以内、行政村48小时以内",
                 "按送达件数每件", "仍有", "通许县", "通许县电商快递物流园", "→ 乡镇服务站",
                 "第1条线路", "村级网点", "积压峰值", "结果已写入"):
        assert text in output, text
    for english in ("Lead time", "parcels", "on time", "route:", "sorting:", "p95", "loop"):
        assert english not in output, english
    assert not SNAKE.findall(output)
    assert i18n.language() == "en"  # the command's language ends with the command


def test_the_command_line_speaks_english(tmp_path):
    output = run_tutorial_cli(tmp_path, "--lang", "en")
    flat = " ".join(output.split())  # lines folded to the terminal's width, joined
    for text in ("Lead time by county", "median", "95th", "percentile", "on time", "(%)",
                 "within 24 h in the county seat, 36 h in a township town, 48 h in a village",
                 "CNY per delivered parcel", "parcels still inside", "通许县",
                 "通许县电商快递物流园 →", "township stations loop 1", "largest"):
        assert text in flat, text
    assert "route:" not in output and "p95" not in output
    assert not SNAKE.findall(output)


def test_the_command_line_follows_the_locale(tmp_path):
    output = run_tutorial_cli(tmp_path, env={"LC_ALL": None, "LC_MESSAGES": None,
                                             "LANG": "zh_CN.UTF-8"})
    assert "分县区时效" in output
    refused = runner.invoke(app, ["--lang", "fr", "validate", str(TUTORIAL)])
    assert refused.exit_code == 2 and "fr" in refused.output


def test_validate_and_errors_speak_the_language(tmp_path):
    done = runner.invoke(app, ["--lang", "zh", "validate", str(TUTORIAL)])
    assert done.exit_code == 0, done.output
    assert "有效" in done.output and "村级电商快递服务点32个" in done.output
    missing = runner.invoke(app, ["--lang", "zh", "validate", str(tmp_path / "none.yaml")])
    assert missing.exit_code == 2 and missing.output.startswith("错误：")


def test_capacity_names_what_binds(tmp_path):
    result = runner.invoke(app, ["--lang", "zh", "capacity", str(TUTORIAL), "--reps", "2",
                                 "--workers", "1"])
    assert result.exit_code == 0, result.output
    binding = f"瓶颈环节：通许县电商快递物流园 → 乡镇服务站 第1条线路 ({TOWNSHIP_LOOP})"
    assert binding in result.output
    assert "积压件持续增长" in result.output and "backlog grows" not in result.output


# --- the app's tables ----------------------------------------------------------------------


def bottleneck_table(at):
    return next(f for f in at.dataframe if "backlog_growth_per_day" in f.value.columns)


def column_labels(frame) -> dict[str, str]:
    return {key: spec.get("label") for key, spec in json.loads(frame.proto.columns).items()}


@pytest.mark.parametrize(("lang", "resource", "use"), [
    ("zh", "资源", "利用率（%）"), ("en", "resource", "use (%)")])
def test_the_bottleneck_tab_reads_names_first_with_units(lang, resource, use):
    at = open_page("tutorial.yaml", lang)
    table = bottleneck_table(at)
    labels = column_labels(table)
    assert labels["name"] == resource and labels["utilisation"] == use
    assert not any(SNAKE.search(label or "") for label in labels.values())
    values = table.value
    columns = list(values.columns)
    assert columns[0] == "name" and columns[-1] == "resource"  # the code last, the detail
    assert values["name"].str.contains("→").any() and not values["name"].str.contains(
        ":").any()
    assert values["utilisation"].max() > 1  # in per cent, as the heading says
    kinds = next(r for r in at.radio if r.key == "bottlenecks:kind")
    with i18n.speaking(lang):  # the page's choices are labelled in its language
        kinds.set_value("sorting line").run()
    shown = bottleneck_table(at).value
    assert shown["resource"].str.startswith("sorting:").all()


def test_the_cold_chain_tab_names_goods_and_hubs_and_states_spoilage_by_product():
    at = open_page("harvest_peak.yaml", "zh")
    tables = {tuple(f.value.columns)[-1]: f for f in at.dataframe}
    products, hubs, fleets = tables["product"], tables["hub"], tables["fleet"]
    assert "双孢菇" in set(products.value["name"]) and "大蒜" in set(products.value["name"])
    assert column_labels(products)["spoilage_rate"] == "损耗率（%）"
    assert "杞县国家级冷链物流基地" in set(hubs.value["name"])
    assert fleets.value["name"].str.startswith("兰考县国家级冷链物流基地 ").any()
    places = next(f for f in at.dataframe if "where" in f.value.columns).value
    assert {"杞县", "兰考县"} <= set(places["where"])
    sentence = next(m.value for m in at.markdown if m.value.startswith("冷链货物按重量损耗"))
    assert "双孢菇" in sentence and "大蒜" in sentence
