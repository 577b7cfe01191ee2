"""A run's results as tables a planner opens in Excel: headings in the language in force
with their units, places and resources by name (codes in a detail column), shares as
numbers Excel formats as percentages.

Columns are defined as `sim.results.columns` defines the command line's and the page's
(the bottleneck and goods tables are those very definitions), so a table reads the same
everywhere. Each table is written two ways: as CSV in UTF-8 with a byte-order mark (Excel on
Chinese Windows reads UTF-8 without one in the local code page, and garbles the names), and
as one sheet of an .xlsx workbook with number formats and widths that fit. The report
(sim/ui/report.py) prints some of the same tables.
"""

from __future__ import annotations

import datetime as dt
import io
import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

import pandas as pd
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter

from sim.i18n import N_, _
from sim.results.columns import (
    BOTTLENECKS,
    DETAIL,
    PRODUCTS,
    Column,
    bottleneck_rows,
    product_rows,
    written,
)
from sim.results.goods import product_frame
from sim.results.names import RESIDENTS, TIERS, kind
from sim.scenario import Scenario
from sim.scenario.models import SERVED_TIERS
from sim.scenario.yamlio import parse_yaml_text
from sim.ui.kpis import Kpi, headline
from sim.ui.runs import RunRecord, same_network

SHEET_NAME_LIMIT = 31  # Excel's limit on a sheet's name
_NOT_IN_SHEET_NAMES = re.compile(r"[\[\]:*?/\\]")
WIDEST_COLUMN = 60  # characters
FORMULA_STARTS = ("=", "+", "-", "@")

# a KPI's unit (sim.ui.kpis) as a column's style, and as words
KPI_STYLES = {"share": Column("", "", "share", 1), "hours": Column("", "", "number", 1),
              "money": Column("", "", "number", 2), "count": Column("", "", "count"),
              "km": Column("", "", "count"), "kg": Column("", "", "count"),
              "tonnes": Column("", "", "number", 1)}
UNITS = {"share": "%", "hours": N_("h"), "money": N_("CNY per parcel"), "count": N_("parcels"),
         "km": N_("km"), "kg": N_("kg"), "tonnes": N_("t")}
PER_TONNE = {"cold_chain.cost.cold_chain_per_tonne": N_("CNY per tonne")}

INDICATOR = Column("name", N_("indicator"), "text")
UNIT = Column("unit", N_("unit"), "text")
KPI_DETAIL = Column("kpi", DETAIL, "text")
KEY_FIGURES = (INDICATOR, UNIT, Column("value", N_("this run"), "number"),
               Column("baseline", N_("baseline"), "number"),
               Column("change", N_("change against the baseline"), "number"), KPI_DETAIL)
BY_TIER = (
    Column("where", N_("where residents live"), "text"),
    Column("target_down_h", N_("target to residents (h)"), "number"),
    Column("target_up_h", N_("target from residents (h)"), "number"),
    Column("parcels", N_("parcels measured"), "count"),
    Column("on_time", N_("on time (%)"), "share", 1),
    Column("p50_h", N_("median lead time (h)"), "number", 1),
    Column("p95_h", N_("95th percentile lead time (h)"), "number", 1),
    Column("p95_within", N_("95th percentile within the target"), "flag"),
    Column("tier", DETAIL, "text"))
BY_COUNTY = (
    Column("county", N_("county"), "text"),
    Column("parcels", N_("parcels measured"), "count"),
    Column("on_time", N_("on time (%)"), "share", 1),
    Column("p50_h", N_("median lead time (h)"), "number", 1),
    Column("p95_h", N_("95th percentile lead time (h)"), "number", 1),
    Column("mean_h", N_("mean lead time (h)"), "number", 1))
RANKED_BOTTLENECKS = (Column("rank", N_("rank"), "count"), *BOTTLENECKS)
FACILITY_DAYS = (
    Column("name", N_("facility"), "text"),
    Column("what", N_("kind"), "text"),
    Column("county", N_("county"), "text"),
    Column("date", N_("date"), "text"),
    Column("measured", N_("measured day"), "flag"),
    Column("arrived", N_("parcels arrived"), "count"),
    Column("sorted", N_("parcels sorted"), "count"),
    Column("parcels_mean", N_("parcels inside (mean)"), "number"),
    Column("parcels_peak", N_("parcels inside (most at an hour's end)"), "count"),
    Column("busy_share", N_("sorting lines busy (%)"), "share", 1),
    Column("node", DETAIL, "text"))
INTERVALS = (INDICATOR, UNIT, Column("mean", N_("mean"), "number"),
             Column("ci_low", N_("95% interval, low"), "number"),
             Column("ci_high", N_("95% interval, high"), "number"),
             Column("n", N_("replications"), "count"), KPI_DETAIL)

# the tables, in the order of the workbook's sheets, by their stable keys
TITLES = {"key_figures": N_("Key figures"), "lead_times_by_tier": N_("Lead time by tier"),
          "lead_times_by_county": N_("Lead time by county"),
          "bottlenecks": N_("Bottlenecks"), "facilities_by_day": N_("Facilities by day"),
          "cold_chain_by_product": N_("Cold chain by product"),
          "intervals": N_("KPIs over replications")}


@dataclass(frozen=True)
class Table:
    """One table as a planner reads it: `frame`'s columns as `columns` define them, values
    raw (shares as fractions, numbers unrounded). A column whose unit changes from row to
    row (a list of KPIs) takes each row's style from `row_styles`."""

    key: str  # stable, for file names: "lead_times_by_tier"
    frame: pd.DataFrame
    columns: tuple[Column, ...]
    row_styles: Mapping[str, tuple[Column, ...]] = field(default_factory=dict)

    @property
    def title(self) -> str:
        return _(TITLES[self.key])

    @property
    def headings(self) -> list[str]:
        return [_(column.heading) for column in self.columns]

    def style(self, column: Column, row: int) -> Column:
        """How one cell reads."""
        return self.row_styles[column.key][row] if column.key in self.row_styles else column

    def rows(self) -> Iterable[list[tuple[object, Column]]]:
        """Each row's cells: the value and how it reads."""
        frame = self.frame[[column.key for column in self.columns]]
        for row, values in enumerate(frame.itertuples(index=False)):
            yield [(value, self.style(column, row))
                   for column, value in zip(self.columns, values, strict=True)]

    def some(self, keys: Iterable[str]) -> Table:
        """The table with only these columns, in this order (a page has room for so
        many)."""
        chosen = {column.key: column for column in self.columns}
        return Table(self.key, self.frame, tuple(chosen[key] for key in keys),
                     self.row_styles)

    def without_detail(self) -> Table:
        """The table without its codes: for people, not programs."""
        return self.some(c.key for c in self.columns if c.heading != DETAIL)


def _known(value: object) -> bool:
    return value is not None and value == value


def scenario_as_run(record: RunRecord) -> Scenario:
    """The run's scenario, every setting as it ran (from the YAML the run keeps)."""
    return Scenario.model_validate(parse_yaml_text(record.scenario_yaml, "scenario.yaml"))


def comparable(record: RunRecord, baseline: RunRecord | None) -> RunRecord | None:
    """The baseline, where it is another run of the same network (else nothing to compare
    against)."""
    if baseline is None or baseline is record or not same_network(record, baseline):
        return None
    return baseline


def table_keys(record: RunRecord) -> list[str]:
    """The tables a run has: the cold chain's where it made goods, the intervals where it
    was replicated."""
    return [key for key in TITLES
            if (key != "cold_chain_by_product" or _made_goods(record))
            and (key != "intervals" or record.intervals is not None)]


def _made_goods(record: RunRecord) -> bool:
    chain = record.summary.get("cold_chain")
    return chain is not None and any(block["lots"] for block in chain["products"].values())


def table(record: RunRecord, key: str, baseline: RunRecord | None = None) -> Table:
    """One table by its key; the key figures carry the changes against `baseline` where
    it is a run of the same network."""
    if key == "key_figures":
        return key_figures(record, baseline)
    builders = {"lead_times_by_tier": lead_by_tier, "lead_times_by_county": lead_by_county,
                "bottlenecks": bottlenecks, "facilities_by_day": facilities_by_day,
                "cold_chain_by_product": cold_chain, "intervals": intervals}
    return builders[key](record)


def tables(record: RunRecord, baseline: RunRecord | None = None) -> list[Table]:
    """Every table of a run, in the order of the workbook's sheets."""
    return [table(record, key, baseline) for key in table_keys(record)]


def unit_of(kpi: Kpi) -> str:
    return _(PER_TONNE.get(kpi.key, UNITS[kpi.unit]))


def key_figures(record: RunRecord, baseline: RunRecord | None = None) -> Table:
    """The headline KPIs by name with their units; with a baseline of the same network,
    its values and the changes."""
    kpis = headline(record.summary)
    before = comparable(record, baseline)
    frame = pd.DataFrame({"name": [kpi.name for kpi in kpis],
                          "unit": [unit_of(kpi) for kpi in kpis],
                          "value": [record.kpis.get(kpi.key) for kpi in kpis],
                          "kpi": [kpi.key for kpi in kpis]})
    styles = tuple(KPI_STYLES[kpi.unit] for kpi in kpis)
    if before is None:
        return Table("key_figures", frame, (*KEY_FIGURES[:3], KPI_DETAIL),
                     {"value": styles})
    then = [before.kpis.get(kpi.key) for kpi in kpis]
    frame = frame.assign(baseline=then, change=[
        now - old if _known(now) and _known(old) else None
        for now, old in zip(frame["value"], then, strict=True)])
    return Table("key_figures", frame, KEY_FIGURES,
                 {"value": styles, "baseline": styles, "change": styles})


def lead_by_tier(record: RunRecord) -> Table:
    """Lead time and on-time share by where residents live, against the targets; the
    last row for all parcels."""
    kpis, targets = record.kpis, record.targets
    rows = []
    for tier in SERVED_TIERS:
        down, up = targets["down_h"][tier], targets["up_h"][tier]
        p95 = kpis.get(f"by_tier.{tier}.lead_time_h.p95")
        rows.append({"where": kind(RESIDENTS, tier), "target_down_h": down,
                     "target_up_h": up, "parcels": kpis.get(f"by_tier.{tier}.parcels"),
                     "on_time": kpis.get(f"by_tier.{tier}.on_time_rate"),
                     "p50_h": kpis.get(f"by_tier.{tier}.lead_time_h.p50"), "p95_h": p95,
                     "p95_within": _known(p95) and p95 <= min(down, up), "tier": tier})
    rows.append({"where": _("all parcels"), "target_down_h": None, "target_up_h": None,
                 "parcels": kpis.get("parcels.measured"), "on_time": kpis.get("on_time_rate"),
                 "p50_h": kpis.get("lead_time_h.p50"), "p95_h": kpis.get("lead_time_h.p95"),
                 "p95_within": False, "tier": ""})
    return Table("lead_times_by_tier", pd.DataFrame(rows), BY_TIER)


def lead_by_county(record: RunRecord) -> Table:
    """Lead time and on-time share county by county, the furthest behind first."""
    kpis = record.kpis

    def value(county: str, name: str) -> float | None:
        return kpis.get(f"by_county.{county}.{name}")

    counties = sorted(record.summary.get("by_county", {}),
                      key=lambda c: v if _known(v := value(c, "on_time_rate")) else 2.0)
    return Table("lead_times_by_county", pd.DataFrame(
        [{"county": county, "parcels": value(county, "parcels"),
          "on_time": value(county, "on_time_rate"),
          "p50_h": value(county, "lead_time_h.p50"), "p95_h": value(county, "lead_time_h.p95"),
          "mean_h": value(county, "lead_time_h.mean")} for county in counties],
        columns=[column.key for column in BY_COUNTY]), BY_COUNTY)


def bottlenecks(record: RunRecord, rows: int | None = None) -> Table:
    """The bottleneck table by name, most pressed first (its first `rows`, or all)."""
    frame = record.bottlenecks if rows is None else record.bottlenecks.head(rows)
    named = bottleneck_rows(frame, record.names).assign(rank=frame["rank"].to_numpy())
    return Table("bottlenecks", named.reset_index(drop=True), RANKED_BOTTLENECKS)


def facilities_by_day(record: RunRecord) -> Table:
    """Each facility day by day over the whole run, by calendar date (warm-up and drain
    days too, marked as not measured)."""
    days = record.charts.facility_days
    run = record.summary["run"]
    start = dt.date.fromisoformat(run["start_date"])
    frame = days.assign(
        name=days["node"].map(record.names.node),
        what=days["kind"].map(lambda k: kind(TIERS, k)),
        date=days["day"].map(lambda d: (start + dt.timedelta(days=int(d))).isoformat()),
        measured=(days["day"] >= run["warmup_days"]) & (days["day"] < run["days"]))
    return Table("facilities_by_day", frame.reset_index(drop=True), FACILITY_DAYS)


def cold_chain(record: RunRecord) -> Table:
    """Goods by product, of a run that made any: tonnes, spoilage, lead time and time out
    of refrigeration (the cold chain tab's table)."""
    chain = record.summary["cold_chain"]
    products = product_frame(chain)
    made = products["product"].map(lambda name: chain["products"][name]["lots"] > 0)
    return Table("cold_chain_by_product",
                 product_rows(products[made], record.names).reset_index(drop=True), PRODUCTS)


def intervals(record: RunRecord) -> Table:
    """Of a replicated run: the headline KPIs' means and 95% intervals."""
    found = record.intervals.set_index("kpi")
    kpis = [kpi for kpi in headline(record.summary) if kpi.key in found.index]
    frame = found.loc[[kpi.key for kpi in kpis], ["mean", "ci_low", "ci_high", "n"]]
    frame = frame.reset_index().assign(name=[kpi.name for kpi in kpis],
                                       unit=[unit_of(kpi) for kpi in kpis])
    styles = tuple(KPI_STYLES[kpi.unit] for kpi in kpis)
    return Table("intervals", frame, INTERVALS,
                 {"mean": styles, "ci_low": styles, "ci_high": styles})


# Writing: CSV and the workbook

def csv_bytes(chosen: Table) -> bytes:
    """The table as CSV for Excel: UTF-8 with a byte-order mark, numbers rounded to what
    they mean, shares in per cent (the headings say %), flags as words."""
    rows = [[_csv_value(value, style) for value, style in row] for row in chosen.rows()]
    frame = pd.DataFrame(rows, columns=chosen.headings, dtype=object)
    return frame.to_csv(index=False).encode("utf-8-sig")


def _csv_value(value: object, style: Column) -> object:
    if style.style in ("text", "flag"):
        return _inert(_cell_text(value, style))
    if not _known(value):
        return None
    scaled = 100 * float(value) if style.style == "share" else float(value)
    return round(scaled) if _digits(style) == 0 else round(scaled, _digits(style))


def _digits(style: Column) -> int:
    return 0 if style.style == "count" else style.digits


def _cell_text(value: object, style: Column) -> str:
    """A text or flag cell as words (blank where there is nothing)."""
    if style.style == "flag":
        return written(value, style)
    return str(value) if _known(value) else ""


def _inert(text: str) -> str:
    """Text a spreadsheet shows rather than runs: a stranger's scenario may name a place
    "=HYPERLINK(...)", and Excel runs a CSV cell that starts like a formula."""
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def excel_format(style: Column) -> str:
    """Excel's number format for a style: separators, decimals, per cent."""
    decimals = "." + "0" * _digits(style) if _digits(style) else ""
    return f"0{decimals}%" if style.style == "share" else f"#,##0{decimals}"


def workbook(chosen: Iterable[Table]) -> bytes:
    """One .xlsx sheet per table: a bold heading row that stays in view, number formats
    (per cent for shares), and columns as wide as what they hold."""
    book = Workbook()
    book.remove(book.active)
    for one in chosen:
        sheet = book.create_sheet(sheet_name(one.title))
        sheet.append(one.headings)
        for cell in sheet[1]:
            cell.font = Font(bold=True)
            cell.alignment = Alignment(wrap_text=True, vertical="top")
        widths = [min(display_width(heading), WIDEST_COLUMN // 2) for heading in one.headings]
        for number, row in enumerate(one.rows(), start=2):
            for index, (value, style) in enumerate(row):
                cell = sheet.cell(row=number, column=index + 1,
                                  value=_excel_value(value, style))
                if style.style not in ("text", "flag"):
                    cell.number_format = excel_format(style)
                elif cell.value is not None:
                    cell.data_type = "s"  # text, never a formula
                widths[index] = max(widths[index], _width(value, style))
        for index, width in enumerate(widths, start=1):
            sheet.column_dimensions[get_column_letter(index)].width = min(width + 2,
                                                                          WIDEST_COLUMN)
        sheet.freeze_panes = "A2"
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _width(value: object, style: Column) -> int:
    """Columns a value takes as Excel shows it with its format."""
    if style.style in ("text", "flag"):
        return display_width(_cell_text(value, style))
    if not _known(value):
        return 0
    scaled = 100 * float(value) if style.style == "share" else float(value)
    return len(f"{scaled:,.{_digits(style)}f}") + (style.style == "share")


def _excel_value(value: object, style: Column) -> object:
    if style.style in ("text", "flag"):
        return _cell_text(value, style) or None
    if not _known(value):
        return None
    return round(float(value)) if style.style == "count" else float(value)


def sheet_name(title: str) -> str:
    """A table's title as Excel accepts a sheet's name."""
    return _NOT_IN_SHEET_NAMES.sub(" ", title)[:SHEET_NAME_LIMIT]


def display_width(text: str) -> int:
    """Columns a text takes in a spreadsheet: Chinese characters take two."""
    return sum(2 if unicodedata.east_asian_width(char) in "WF" else 1 for char in str(text))
