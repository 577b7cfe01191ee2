"""The KPI tables `sim run` prints, built from summary.json's mapping with rich."""

from __future__ import annotations

import numpy as np
import pandas as pd
from rich.console import Console, Group
from rich.table import Table

from sim.experiment.design import value_column
from sim.results import Results
from sim.results.goods import fleet_frame, hub_frame, product_frame

LEAD_COLUMNS = ("mean", "p50", "p90", "p95", "max")
TOP_ROWS = 8


def plain_console() -> Console:
    """A console that prints text as written: node ids and names are never markup."""
    return Console(markup=False)


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
    for column in ("#", "resource", "use", "peak queue", "growth/d", "unstable"):
        if column == "resource":
            bottlenecks.add_column(column, overflow="fold", min_width=26)
        else:
            bottlenecks.add_column(column, justify="right")
    for row in results.bottlenecks.head(TOP_ROWS).itertuples():
        bottlenecks.add_row(str(row.rank), row.resource, _share(row.utilisation),
                            _num(float(row.peak_backlog), 0),
                            _num(float(row.backlog_growth_per_day), 1),
                            "yes" if row.unstable else "")
    if "cold_chain" not in summary:
        return Group(head, lead, county, fleets, bottlenecks)
    return Group(head, lead, county, fleets, bottlenecks, *cold_chain_tables(summary))


def cold_chain_tables(summary: dict) -> list[Table]:
    """Goods by product, and the hubs' stores and fleets."""
    chain = summary["cold_chain"]
    products = product_frame(chain)
    idle = products["made_t"] == 0  # out of season in the measured window
    tables = [
        _frame_table("Goods by product (lots.parquet has every lot)",
                     products[~idle].drop(columns="flow")),
        _frame_table("Hubs and cold storage", hub_frame(chain)),
        _frame_table("Reefers and trucks", fleet_frame(chain)),
    ]
    cost, rooms = chain["cost"], chain["precooling"]
    totals = Table.grid(padding=(0, 2))
    totals.add_row("goods", f"{_num(chain['tonnes_per_day'], 0)} t a day delivered; reefer-km "
                   f"{_num(chain['reefer_km'], 0)}, truck-km {_num(chain['truck_km'], 0)}")
    totals.add_row("cost", f"{_num(cost['cold_chain_per_tonne'], 0)} per tonne of cold-chain"
                   f" goods, {_num(cost['per_tonne'], 0)} per tonne of all goods")
    totals.add_row("cold rooms", f"{rooms['rooms']} rooms, {_share(rooms['utilisation'])} used"
                   f" on average, {rooms['full_rooms']} full at some time")
    if idle.any():
        totals.add_row("not made", ", ".join(products.loc[idle, "product"]) +
                       " (out of season in the measured days)")
    return [*tables, totals]


SHARES = ("spoilage_rate", "dock_use", "mean_use", "time_busy")
HEADERS = {"made_t": "made t", "t_per_day": "t/day", "spoilage_rate": "spoilt",
           "in_network_t": "stuck t", "lead_p50_h": "lead p50", "lead_p95_h": "lead p95",
           "out_of_cold_p95_h": "warm p95", "pallets_handled": "handled",
           "cold_store_pallets": "cold store", "time_busy": "busy", "vehicles": "size"}


def _frame_table(title: str, frame: pd.DataFrame) -> Table:
    """A small DataFrame as a rich table: text left, numbers right, shares in per cent."""
    table = Table(title=title, title_justify="left")
    text = [c for c in frame.columns if c not in SHARES and not (
        pd.api.types.is_numeric_dtype(frame[c]) or frame[c].isna().all())]
    for column in frame.columns:
        table.add_column(HEADERS.get(column, column.replace("_", " ")),
                         justify="left" if column in text else "right",
                         no_wrap=column == frame.columns[0],
                         min_width=6 if column in SHARES else None)
    for row in frame.itertuples(index=False):
        cells = []
        for column, value in zip(frame.columns, row, strict=True):
            if column in SHARES:
                cells.append(_share(None if pd.isna(value) else value))
            elif isinstance(value, bool | np.bool_):
                cells.append("yes" if value else "")
            elif column in text:
                cells.append("-" if value is None else str(value))
            elif value is None or pd.isna(value):
                cells.append("-")
            elif pd.api.types.is_integer_dtype(frame[column]):
                cells.append(_num(int(value)))
            else:
                cells.append(_num(float(value), 0 if abs(value) >= 100 else 1))
        table.add_row(*cells)
    return table


def print_report(results: Results, console: Console | None = None) -> None:
    (console or plain_console()).print(kpi_report(results))


HEADLINE_KPIS = (
    "lead_time_h.mean", "lead_time_h.p50", "lead_time_h.p95", "on_time_rate",
    "by_tier.park.lead_time_h.p95", "by_tier.station.lead_time_h.p95",
    "by_tier.point.lead_time_h.p95", "by_tier.point.on_time_rate", "parcels.in_network",
    "vehicle_km", "cost.per_parcel", "cold_chain.spoilage_rate",
    "cold_chain.cost.cold_chain_per_tonne", "cold_chain.reefer_km",
)
SWEEP_KPIS = ("on_time_rate", "lead_time_h.p95", "cost.per_parcel")
SWEEP_GOODS_KPIS = ("cold_chain.spoilage_rate", "cold_chain.cost.cold_chain_per_tonne")


def _estimate(mean: float, low: float, high: float) -> str:
    digits = 3 if abs(mean) < 10 else 1
    return f"{mean:,.{digits}f}  [{low:,.{digits}f}, {high:,.{digits}f}]"


def print_replications(replications, console: Console | None = None) -> None:
    """Headline KPIs over replications: mean and 95% t interval."""
    kpis = replications.kpis().set_index("kpi")
    table = Table(title=f"Over {len(replications.ok)} replications: mean [95% CI] "
                  "(replication_kpis.csv has every KPI)", title_justify="left")
    table.add_column("KPI")
    table.add_column("mean [95% CI]", justify="right")
    for name in HEADLINE_KPIS:
        if name in kpis.index:
            row = kpis.loc[name]
            table.add_row(name, _estimate(row["mean"], row["ci_low"], row["ci_high"]))
    console = console or plain_console()
    console.print(table)
    for line in replications.errors():
        console.print(line, style="red")


def print_sweep(result, keys: list[str], console: Console | None = None) -> None:
    """One line per point: its swept values and headline KPIs with intervals."""
    table = Table(title="Sweep points (points.csv has every KPI)", title_justify="left")
    for key in keys:
        table.add_column(key, overflow="fold")
    goods = f"{SWEEP_GOODS_KPIS[0]}.mean" in result.points.columns
    names = SWEEP_KPIS + (SWEEP_GOODS_KPIS if goods else ())
    for name in names:
        table.add_column(name, justify="right")
    table.add_column("reps", justify="right")
    for row in result.points.to_dict(orient="records"):
        cells = [str(row.get(value_column(key))) for key in keys]
        for name in names:
            mean = row.get(f"{name}.mean")
            cells.append("-" if mean is None or mean != mean else _estimate(
                mean, row[f"{name}.ci_low"], row[f"{name}.ci_high"]))
        failed = f" ({row['reps_failed']} failed)" if row["reps_failed"] else ""
        cells.append(f"{row['reps_ok']}{failed}")
        table.add_row(*cells)
    (console or plain_console()).print(table)


def print_capacity(analytic, result, console: Console | None = None) -> None:
    console = console or plain_console()
    table = Table(title="Analytic capacity: the multiplier at which each resource saturates "
                  "(ordinary day)", title_justify="left")
    for column in ("#", "resource", "capacity/day", "demand/day", "bound"):
        if column == "resource":
            table.add_column(column, overflow="fold", min_width=28)
        else:
            table.add_column(column, justify="right")
    for row in analytic.head(TOP_ROWS).itertuples():
        table.add_row(str(row.rank), row.resource, _num(row.capacity_per_day, 0),
                      _num(row.demand_per_day, 0), f"{row.bound:.3g}")
    console.print(table)
    if result.failed_at is None:
        console.print(f"Simulated capacity: no failure up to demand.multiplier "
                      f"{result.capacity:.4g}", soft_wrap=True)
        if result.stopped is not None:
            console.print(f"The search stopped there: a run at {result.stopped}", soft_wrap=True)
        return
    console.print(f"Simulated capacity: demand.multiplier {result.capacity:.4g} passes, "
                  f"{result.failed_at:.4g} fails; binding: {result.binding}",
                  soft_wrap=True)
