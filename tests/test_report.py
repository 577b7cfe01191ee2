"""What a planner takes to a meeting: CSV and Excel tables that Excel reads in Chinese, and
a report in one HTML file that prints, needs no internet, and shows a stranger's scenario
names as text."""

from __future__ import annotations

import codecs
import io
import re
import threading

import pandas as pd
import pytest
from openpyxl import load_workbook

from sim.i18n import speaking
from sim.results.names import FLEETS, kind
from sim.ui import drawings, export, levers
from sim.ui.report import REPORT_FILE, differences, report_html
from sim.ui.runs import RunRecord, app_files, execute, load_for_app
from sim.ui.tabs.downloads import in_language

from .pages import open_page
from .test_trust_boundary import NODES

HOSTILE = "<script>alert(1)</script>"
FORMULA = "=HYPERLINK(1)"
DAYS = "run.days=3"


def tutorial_run(*overrides: str, reps: int = 1) -> RunRecord:
    scenario = load_for_app("tutorial.yaml", app_files())
    return execute(scenario, "tutorial.yaml", [DAYS, *overrides], reps, key="tutorial.yaml")


@pytest.fixture(scope="module")
def record() -> RunRecord:
    return tutorial_run()


@pytest.fixture(scope="module")
def hostile() -> RunRecord:
    """An uploaded scenario whose name and one township's name are markup, and another
    township's name a spreadsheet formula."""
    nodes = NODES.replace("竖岗镇".encode(), f"竖岗镇{HOSTILE}".encode()).replace(
        "朱砂镇".encode(), f"{FORMULA}朱砂镇".encode())
    files = app_files({
        "mine.yaml": b"extends: tutorial.yaml\nname: '" + HOSTILE.encode()
        + b"'\nnetwork: {nodes: mine.csv}\n", "mine.csv": nodes})
    return execute(load_for_app("mine.yaml", files), "mine.yaml", [DAYS], key="mine")


def test_a_csv_starts_with_the_byte_order_mark_and_excel_reads_its_chinese(record):
    with speaking("zh"):
        data = export.csv_bytes(export.table(record, "lead_times_by_tier"))
        names = export.csv_bytes(export.table(record, "bottlenecks"))
    assert data.startswith(codecs.BOM_UTF8)
    frame = pd.read_csv(io.BytesIO(data), encoding="utf-8-sig")
    assert {"居民所在地", "下行时限（小时）", "统计件数（件）"} <= set(frame.columns)
    village = frame[frame["居民所在地"] == "行政村"].iloc[0]
    on_time = next(c for c in frame.columns if "%" in c)
    assert village[on_time] == pytest.approx(100 * record.kpis["by_tier.point.on_time_rate"],
                                             abs=0.05)
    resources = pd.read_csv(io.BytesIO(names), encoding="utf-8-sig")
    first = resources.iloc[0]
    assert re.search(r"[\u4e00-\u9fff]", first.iloc[1])  # by name, in Chinese
    assert first.iloc[-1] == record.bottlenecks["resource"].iloc[0]  # the code, last


@pytest.mark.parametrize(("lang", "title", "headings"), [
    ("zh", "分层级时效", ["居民所在地", "下行时限（小时）", "统计件数（件）"]),
    ("en", "Lead time by tier", ["where residents live", "target to residents (h)",
                                "parcels measured"])])
def test_the_workbook_has_a_sheet_per_table_in_the_language_with_shares_as_percentages(
        record, lang, title, headings):
    with speaking(lang):
        data = export.workbook(export.tables(record))
        expected = [table.title for table in export.tables(record)]
    book = load_workbook(io.BytesIO(data))
    assert book.sheetnames == expected
    sheet = book[title]
    header = [cell.value for cell in sheet[1]]
    assert set(headings) <= set(header)
    village = next(row for row in sheet.iter_rows(min_row=2) if row[-1].value == "point")
    share = village[4]  # on time
    assert isinstance(share.value, float) and 0 <= share.value <= 1
    assert share.number_format == "0.0%"
    assert share.value == pytest.approx(record.kpis["by_tier.point.on_time_rate"])
    parcels = village[3]
    assert isinstance(parcels.value, int) and parcels.number_format == "#,##0"


def test_the_workbook_columns_are_as_wide_as_the_names_they_hold(record):
    with speaking("zh"):
        book = load_workbook(io.BytesIO(export.workbook([export.table(record,
                                                                      "bottlenecks")])))
    sheet = book.active
    longest = max(export.display_width(cell.value) for cell in sheet["B"][1:])
    assert sheet.column_dimensions["B"].width >= min(longest, export.WIDEST_COLUMN - 2)


def test_the_key_figures_carry_the_changes_against_a_baseline_of_the_same_network(record):
    busier = tutorial_run("demand.multiplier=1.5")
    with speaking("en"):
        figures = export.table(busier, "key_figures", record)
    frame = figures.frame.set_index("kpi")
    assert frame.loc["on_time_rate", "change"] == pytest.approx(
        busier.kpis["on_time_rate"] - record.kpis["on_time_rate"])
    with speaking("en"):
        alone = export.table(busier, "key_figures", busier)
    assert "change" not in [column.key for column in alone.columns]


@pytest.mark.parametrize(("lang", "targets", "words"), [
    ("zh", ["服务时限目标", "行政村 48 小时"], ["方案", "瓶颈环节"]),
    ("en", ["Service targets", "village 48 h"], ["The scenario", "Bottlenecks"])])
def test_the_report_states_the_targets_in_the_language_with_chinese_places(record, lang,
                                                                             targets, words):
    with speaking(lang):
        page = report_html(record)
    assert f'<html lang="{"zh-CN" if lang == "zh" else "en"}">' in page
    for text in [*targets, *words, "通许县", "竖岗镇"]:
        assert text in page, text
    assert page.count("<svg") == 2  # the map and the lead-time chart (one county)
    body = re.sub(r"<style>.*?</style>", "", page, flags=re.S)
    assert "{" not in body and "}" not in body  # no unfilled placeholder
    assert not re.search(r"\bNone\b|\bnan\b|\bNaN\b", body)
    assert not re.search(r"https?:|<script|<link|src=|@import|url\(", page)


def test_a_stranger_s_names_are_text_in_the_report(hostile):
    with speaking("zh"):
        page = report_html(hostile)
    assert "<script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page  # the title, the map, tables
    assert page.count("竖岗镇&lt;script&gt;") >= 2  # the map's label and a table


def test_a_stranger_s_name_that_looks_like_a_formula_stays_text_in_excel(hostile):
    with speaking("zh"):
        chosen = export.table(hostile, "facilities_by_day")
        book = load_workbook(io.BytesIO(export.workbook([chosen])))
        data = export.csv_bytes(chosen)
    cells = [row[0] for row in book.active.iter_rows(min_row=2)
             if str(row[0].value).startswith(FORMULA)]
    assert cells and all(cell.data_type == "s" for cell in cells)
    names = pd.read_csv(io.BytesIO(data), encoding="utf-8-sig").iloc[:, 0]
    assert f"'{FORMULA}朱砂镇" in set(names)  # Excel shows it, does not run it
    assert not any(name.startswith("=") for name in names)


def test_the_report_compares_against_a_baseline_of_the_same_network_only(record, hostile):
    more_vans = tutorial_run("fleets.village.vehicles=3")
    with speaking("zh"):
        same = report_html(more_vans, record)
        other = report_html(more_vans, hostile)
    assert "与基准方案对比" in same and "较基准方案变化" in same
    assert "另一个网络" in other and "较基准方案变化" not in other


def test_settings_that_differ_are_named_as_the_sidebar_names_them():
    with speaking("en"):
        said = differences(["demand.multiplier=1.5"], ["fleets.village.vehicles=3"])
        village = kind(FLEETS, "village")
    assert len(said) == 2
    assert any(line.startswith(village) and line.endswith("→ 3") for line in said)
    assert not any("fleets." in line or "demand." in line for line in said)


def test_the_page_states_a_run_s_settings_in_words_not_keys():
    sidebar = ["run.days=5", "run.seed=7", "run.start_date=2026-11-01", "demand.events=[]",
               "operations.village=bus", "facilities.station.shifts=[08:00-12:00]",
               "fleets.village.vehicles=3"]
    with speaking("zh"):
        said = levers.in_words([*sidebar, "node_overrides.V1.shelf_slots=20"])
    assert not re.search(r"\b(run|demand|operations|facilities|fleets)\.", said), said
    assert "仿真天数：5" in said and "关闭" in said and "[08:00-12:00]" in said
    assert "node_overrides.V1.shelf_slots：20" in said  # a typed override, as typed


def test_the_map_colours_on_a_fixed_scale_so_an_overload_shows(record):
    green, amber, red = (drawings.band_colour(ratio) for ratio in (0.5, 1.2, 9.0))

    def marks(run: RunRecord) -> dict[str, int]:
        """Places and loops drawn in each colour (the legend's swatch left out)."""
        svg = drawings.network_map(run.nodes, run.edges, run.boundaries, "map")
        return {colour: svg.count(colour) - 1 for colour in (green, amber, red)}

    ordinary, overloaded = marks(record), marks(tutorial_run("demand.multiplier=3"))
    assert ordinary[green] > ordinary[amber] + ordinary[red]
    assert overloaded[green] == 0 and overloaded[amber] + overloaded[red] > ordinary[green] / 2


def test_a_file_made_later_on_another_thread_keeps_the_language_it_was_offered_in(record):
    with speaking("zh"):
        make = in_language(lambda: export.csv_bytes(export.table(record,
                                                                 "lead_times_by_tier")))
    made = []
    worker = threading.Thread(target=lambda: made.append(make()))
    worker.start()
    worker.join()
    assert "居民所在地" in made[0].decode("utf-8-sig")


@pytest.mark.parametrize(("lang", "label"), [("zh", "汇报报告（HTML，可打印为 PDF）"),
                                             ("en", "Report (HTML, prints to PDF)")])
def test_the_downloads_tab_offers_the_report_and_the_tables_made_on_demand(lang, label):
    page = open_page("tutorial.yaml", lang)
    buttons = {button.proto.label: button.proto for button in page.get("download_button")}
    report = buttons[label]
    assert report.deferred_file_id and report.ignore_rerun
    assert REPORT_FILE == "report.html"
    assert len(buttons) >= 5
