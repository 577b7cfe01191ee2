"""The KPI tables `sim run` prints, built from summary.json's mapping with rich."""

from __future__ import annotations

from rich.console import Console, Group
from rich.table import Table

from sim.results import Results

LEAD_COLUMNS = ("mean", "p50", "p90", "p95", "max")
TOP_ROWS = 8


def _num(value: float | int | None, digits: int = 1) -> str:
    if value is None:
        return "-"
    if isinstance(value, int):
        return f"{value:,}"
    return f"{value:,.{digits}f}"


def _share(value: float | None) -> str:
    return "-" if value is None else f"{100 * value:.1f}%"


def _lead_table(title: str, groups: dict[str, dict]) -> Table:
    table = Table(title=title, title_justify="left")
    table.add_column("group")
    table.add_column("parcels", justify="right")
    for name in LEAD_COLUMNS:
        table.add_column(f"{name} h", justify="right")
    table.add_column("on time", justify="right")
    for name, block in groups.items():
        lead = block["lead_time_h"]
        table.add_row(name, _num(block["parcels"]), *(_num(lead[c]) for c in LEAD_COLUMNS),
                      _share(block["on_time_rate"]))
    return table


def kpi_report(results: Results) -> Group:
    summary = results.summary
    run, parcels, cost = summary["run"], summary["parcels"], summary["cost"]
    head = Table.grid(padding=(0, 2))
    head.add_row("scenario", summary["scenario"])
    head.add_row("days", f"{run['days']} from {run['start_date']} (warm-up {run['warmup_days']}, "
                 f"drain {run['drain_days']:g}), seed {run['seed']}")
    head.add_row("parcels", f"{parcels['created']:,} created, {parcels['delivered']:,} delivered,"
                 f" {parcels['in_network']:,} in network; {parcels['measured']:,} measured")
    head.add_row("cost", f"{_num(cost['per_parcel'], 2)} per parcel "
                 f"({_num(cost['total'], 0)} in all); vehicle-km {_num(summary['vehicle_km'], 0)}")
    overall = {"all": {"parcels": parcels["measured"], "lead_time_h": summary["lead_time_h"],
                       "on_time_rate": summary["on_time_rate"]}}
    lead = _lead_table("Lead time by flow and by where the resident lives",
                       {**overall, **summary["by_flow"],
                        **{f"tier {k}": v for k, v in summary["by_tier"].items()}})
    county = _lead_table("Lead time by county", summary["by_county"])
    fleets = Table(title="Fleets", title_justify="left")
    for column in ("fleet", "vehicles", "trips", "vehicle-km", "time busy", "load factor"):
        fleets.add_column(column, justify="left" if column == "fleet" else "right")
    for name, fleet in summary["fleets"].items():
        fleets.add_row(name, _num(fleet["vehicles"]), _num(fleet["trips"]),
                       _num(fleet["vehicle_km"], 0), _share(fleet["utilisation"]),
                       _share(fleet["load_factor"]))
    bottlenecks = Table(title="Most pressed resources (bottlenecks.csv has all)",
                        title_justify="left")
    for column in ("#", "resource", "use", "peak backlog", "growth/day", "unstable"):
        if column == "resource":
            bottlenecks.add_column(column, overflow="fold", min_width=28)
        else:
            bottlenecks.add_column(column, justify="right")
    for row in results.bottlenecks.head(TOP_ROWS).itertuples():
        bottlenecks.add_row(str(row.rank), row.resource, _share(row.utilisation),
                            _num(float(row.peak_backlog), 0),
                            _num(float(row.backlog_growth_per_day), 1),
                            "yes" if row.unstable else "")
    return Group(head, lead, county, fleets, bottlenecks)


def print_report(results: Results, console: Console | None = None) -> None:
    (console or Console()).print(kpi_report(results))
