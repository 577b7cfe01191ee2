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
    """Goods by product, and the cold-chain hubs' stores and fleets."""
    chain = summary["cold_chain"]
    goods = Table(title="Goods by product (lots.parquet has every lot)", title_justify="left")
    for column in ("product", "flow", "t made", "t/day", "spoiled", "in network t",
                   "lead p50 h", "lead p95 h", "out of cold p95 h"):
        goods.add_column(column, justify="left" if column in ("product", "flow") else "right")
    for name, block in chain["products"].items():
        goods.add_row(name, block["flow"], _num(block["made_t"], 0),
                      _num(block["tonnes_per_day"], 1), _share(block["spoilage_rate"]),
                      _num(block["in_network_t"], 1), _num(block["lead_time_h"]["p50"]),
                      _num(block["lead_time_h"]["p95"]),
                      _num(block["out_of_refrigeration_h"]["p95"]))
    hubs = Table(title="Hubs and cold storage", title_justify="left")
    for column in ("hub", "role", "pallets handled", "dock use", "cold store", "peak",
                   "mean use"):
        hubs.add_column(column, justify="left" if column in ("hub", "role") else "right")
    for name, hub in chain["hubs"].items():
        store = hub.get("cold_storage") or {}
        hubs.add_row(name, hub["role"], _num(hub["handled_pallets"], 0),
                     _share(hub["handling_utilisation"]), _num(store.get("pallets"), 0),
                     _num(store.get("peak"), 0), _share(store.get("utilisation")))
    fleets = Table(title="Reefers and trucks", title_justify="left")
    for column in ("fleet", "vehicles", "reefer", "trips", "km", "time busy", "peak out"):
        fleets.add_column(column, justify="left" if column == "fleet" else "right")
    for name, fleet in chain["fleets"].items():
        fleets.add_row(name, _num(fleet["vehicles"]), "yes" if fleet["refrigerated"] else "",
                       _num(fleet["trips"]), _num(fleet["km"], 0),
                       _share(fleet["utilisation"]), _num(fleet["peak_out"]))
    cost, rooms = chain["cost"], chain["precooling"]
    totals = Table.grid(padding=(0, 2))
    totals.add_row("goods", f"{_num(chain['tonnes_per_day'], 0)} t a day delivered; reefer-km "
                   f"{_num(chain['reefer_km'], 0)}, truck-km {_num(chain['truck_km'], 0)}")
    totals.add_row("cost", f"{_num(cost['cold_chain_per_tonne'], 0)} per tonne of cold-chain"
                   f" goods, {_num(cost['per_tonne'], 0)} per tonne of all goods")
    totals.add_row("cold rooms", f"{rooms['rooms']} rooms, {_share(rooms['utilisation'])} used"
                   f" on average, {rooms['full_rooms']} full at some time")
    return [goods, hubs, fleets, totals]


def print_report(results: Results, console: Console | None = None) -> None:
    (console or Console()).print(kpi_report(results))


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
    console = console or Console()
    console.print(table)
    for line in replications.errors():
        console.print(f"[red]{line}[/]", highlight=False)


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
        cells = [str(row.get(key)) for key in keys]
        for name in names:
            mean = row.get(f"{name}.mean")
            cells.append("-" if mean is None or mean != mean else _estimate(
                mean, row[f"{name}.ci_low"], row[f"{name}.ci_high"]))
        failed = f" ({row['reps_failed']} failed)" if row["reps_failed"] else ""
        cells.append(f"{row['reps_ok']}{failed}")
        table.add_row(*cells)
    (console or Console()).print(table)


def print_capacity(analytic, result, console: Console | None = None) -> None:
    console = console or Console()
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
                      f"{result.capacity:.4g}", highlight=False)
        return
    console.print(f"Simulated capacity: demand.multiplier {result.capacity:.4g} passes, "
                  f"{result.failed_at:.4g} fails; binding: {result.binding}", highlight=False,
                  soft_wrap=True)
