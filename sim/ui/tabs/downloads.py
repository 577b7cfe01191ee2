"""Downloads: the report for the meeting, the tables for Excel, the scenario as run, and
the files the command line writes.

Files are made when their button is pressed, not at every run of the page, and pressing
one does not run the page again. Streamlit makes them on another thread, where the
page's language is not in force: each carries the language it was offered in.
"""

from __future__ import annotations

import json
from collections.abc import Callable

import streamlit as st

from sim.i18n import _, language, speaking
from sim.results.jsonable import json_ready
from sim.ui import pins
from sim.ui.export import TITLES, csv_bytes, table, table_keys, tables, workbook
from sim.ui.fragments import fragment
from sim.ui.report import REPORT_FILE, report_html
from sim.ui.runs import RunRecord

WORKBOOK_FILE = "tables.xlsx"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CSV = "text/csv"


def in_language(make: Callable[[], bytes | str]) -> Callable[[], bytes | str]:
    """`make`, called later (on Streamlit's thread), in the language in force now."""
    code = language()

    def made() -> bytes | str:
        with speaking(code):
            return make()

    return made


def baseline_of(record: RunRecord) -> RunRecord | None:
    """The baseline the cards and the answers compare this run against."""
    name = pins.baselines().get(record.scenario_key)
    return pins.pinned().get(name) if name else None


def show(record: RunRecord) -> None:
    baseline = baseline_of(record)
    st.subheader(_("For the meeting"))
    st.download_button(_("Report (HTML, prints to PDF)"),
                       in_language(lambda: report_html(record, baseline).encode("utf-8")),
                       REPORT_FILE, "text/html", key="download:report", on_click="ignore",
                       type="primary")
    st.caption(_("One page or two for the county government: the scenario in words, the "
                 "results against the targets, a map, charts, the bottlenecks and the "
                 "changes against the baseline. Open it in a browser and print it, or save "
                 "it as PDF (A4). It needs no internet."))
    st.subheader(_("Tables for Excel"))
    st.download_button(_("All tables (Excel workbook)"),
                       in_language(lambda: workbook(tables(record, baseline))),
                       WORKBOOK_FILE, XLSX, key="download:workbook", on_click="ignore")
    one_table(record, baseline)
    st.caption(_("Headings in the language of the page, with their units; places and "
                 "resources by name, their codes in the last column; shares as "
                 "percentages. The CSV files open in Excel with the Chinese intact."))
    st.subheader(_("To run it again"))
    st.download_button(_("Scenario as run, with its tables (zip)"), record.scenario_zip,
                       "scenario.zip", "application/zip", key="download:scenario",
                       on_click="ignore")
    st.download_button(_("KPIs (JSON)"), lambda: json.dumps(
        json_ready(record.summary), indent=1, ensure_ascii=False), "summary.json",
        "application/json", key="download:summary", on_click="ignore")
    with st.expander(_("Scenario as run")):
        st.code(record.scenario_yaml, language="yaml")
        st.caption(_("Unzip the download and `sim run scenario.yaml` reproduces this run's "
                     "numbers."))
    with st.expander(_("Files as the command line writes them")):
        data_files(record)


@fragment
def one_table(record: RunRecord, baseline: RunRecord | None) -> None:
    """One table as CSV; choosing it redraws only this."""
    keys = table_keys(record)
    key = st.selectbox(_("One table as CSV"), keys, format_func=lambda k: _(TITLES[k]),
                       key="download:table")
    st.download_button(_("Table (CSV)"), in_language(lambda: csv_bytes(table(record, key,
                                                                               baseline))),
                       f"{key}.csv", CSV, key="download:csv", on_click="ignore")


def data_files(record: RunRecord) -> None:
    """The run's tables with codes and the column names docs/outputs.md explains, for
    analysts; CSV files with a byte-order mark, so Excel reads their names."""
    st.caption(_("Codes and column names as docs/outputs.md explains them."))
    files = {"bottlenecks.csv": lambda: record.bottlenecks.to_csv(index=False),
             "facility_hours.csv": lambda: record.hours.to_csv(index=False)}
    if record.intervals is not None:
        files["replication_kpis.csv"] = lambda: record.intervals.to_csv(index=False)
    for name, make in files.items():
        st.download_button(name, lambda make=make: make().encode("utf-8-sig"), name, CSV,
                           key=f"download:{name}", on_click="ignore")
    st.download_button("facility_hours.parquet", lambda: record.hours.to_parquet(index=False),
                       "facility_hours.parquet", "application/vnd.apache.parquet",
                       key="download:facility_hours.parquet", on_click="ignore")
