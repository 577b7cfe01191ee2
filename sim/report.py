"""The tables `sim run`, `sim sweep` and `sim capacity` print, with rich, in the language in
force: headings with their units, the target that "on time" means, places and resources by
name (bottlenecks.csv and analytic.csv keep the codes), shares in per cent."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Mapping

import pandas as pd
from rich import box
from rich.cells import cell_len
from rich.console import Console, Group
from rich.table import Table

from sim.clock import when
from sim.experiment.design import value_column
from sim.experiment.split.partial import PartResult
from sim.i18n import N_, _, ngettext, number, percent
from sim.results import Results
from sim.results.columns import (
    BOTTLENECKS,
    DETAIL,
    DISRUPTIONS,
    FREIGHT_FLEETS,
    HUBS,
    PLAN_CHANGES,
    PLAN_FRONTIER,
    PLAN_VERDICTS,
    PRODUCTS,
    RESILIENCE_COUNTY,
    RISK_PLANS,
    RISKS,
    Column,
    bottleneck_rows,
    disruption_rows,
    freight_fleet_rows,
    hub_rows,
    picked,
    plan_binding_words,
    plan_change_rows,
    plan_cost_words,
    plan_frontier_rows,
    plan_verdict_rows,
    product_rows,
    risk_rows,
    written,
)
from sim.results.goods import fleet_frame, hub_frame, product_frame
from sim.results.names import FLEETS, FLOWS, RESIDENTS, Names, kind, listed
from sim.scenario.models import Targets, TierTargets

TOP_ROWS = 8
WORD_WIDTH = 12  # terminal cells of a heading's word before it folds
UNIT = re.compile(r"\s*([(（][^()（）]*[)）])$")  # a heading's unit: "(h)", "（小时）"
# lead times as planners quote them (summary.json also has the mean and 90th percentile)
LEAD = (
    Column("group", N_("which parcels"), "text"),
    Column("parcels", N_("parcels"), "count"),
    Column("p50", N_("median (h)"), "number", 1),
    Column("p95", N_("95th percentile (h)"), "number", 1),
    Column("max", N_("longest (h)"), "number", 1),
    Column("on_time_rate", N_("on time (%)"), "share", 1),
)
COUNTY_LEAD = (Column("group", N_("county"), "text"), *LEAD[1:])
FLEET_TABLE = (
    Column("name", N_("fleet"), "text"),
    Column("vehicles", N_("vehicles"), "count"),
    Column("trips", N_("trips"), "count"),
    Column("vehicle_km", N_("vehicle-km"), "count"),
    Column("utilisation", N_("time busy (%)"), "share", 1),
    Column("load_factor", N_("load factor (%)"), "share", 1),
)
# the command line's tables leave the codes to the files they come from
PRESSED = tuple(c for c in BOTTLENECKS if c.key in (
    "name", "county", "utilisation", "peak_backlog", "backlog_growth_per_day", "unstable"))
GOODS = tuple(c for c in PRODUCTS if c.key in (
    "name", "made_t", "spoilage_rate", "in_network_t", "lead_p95_h", "out_of_cold_p95_h"))
RUNS = tuple(c for c in FREIGHT_FLEETS if c.key in (
    "name", "vehicles", "trips", "km", "time_busy"))
ANALYTIC = (
    Column("name", N_("resource"), "text"),
    Column("capacity_per_day", N_("can carry (parcels a day)"), "count"),
    Column("demand_per_day", N_("ordinary day's demand (parcels)"), "count"),
    Column("bound", N_("saturates at (times an ordinary day's volume)"), "number", 2),
)
# headline KPIs of replications and sweeps: dotted key, what it is, how it reads
KPIS = (
    Column("lead_time_h.mean", N_("mean lead time (h)"), "number", 1),
    Column("lead_time_h.p50", N_("median lead time (h)"), "number", 1),
    Column("lead_time_h.p95", N_("95th percentile lead time (h)"), "number", 1),
    Column("on_time_rate", N_("on time (%)"), "share", 1),
    Column("by_tier.park.lead_time_h.p95",
           N_("95th percentile lead time, county seat (h)"), "number", 1),
    Column("by_tier.station.lead_time_h.p95",
           N_("95th percentile lead time, township towns (h)"), "number", 1),
    Column("by_tier.point.lead_time_h.p95",
           N_("95th percentile lead time, villages (h)"), "number", 1),
    Column("by_tier.point.on_time_rate", N_("on time, villages (%)"), "share", 1),
    Column("parcels.in_network", N_("parcels still inside at the end"), "count"),
    Column("vehicle_km", N_("vehicle-km"), "count"),
    Column("cost.per_delivered_parcel", N_("cost per delivered parcel (CNY)"), "number", 2),
    Column("cost.per_parcel", N_("cost per parcel created (CNY)"), "number", 2),
    Column("cold_chain.spoilage_rate", N_("chilled and frozen goods spoiled (%)"), "share", 1),
    Column("cold_chain.cost.cold_chain_per_tonne",
           N_("cold chain cost per tonne delivered (CNY)"), "count"),
    Column("cold_chain.reefer_km", N_("reefer-km"), "count"),
)
SWEEP_KPIS = ("on_time_rate", "lead_time_h.p95", "cost.per_delivered_parcel", "cost.per_parcel")
SWEEP_GOODS_KPIS = ("cold_chain.spoilage_rate", "cold_chain.cost.cold_chain_per_tonne")


def plain_console() -> Console:
    """A console that prints text as written: node ids and names are never markup."""
    return Console(markup=False)


def stacked(heading: str) -> str:
    """A heading with its unit on a line of its own ("median\n(h)")."""
    return UNIT.sub(r"\n\1", heading)


def lines() -> Table:
    """A grid of labelled lines: the label, then its text, folded where it is long."""
    grid = Table.grid(padding=(0, 2))
    grid.add_column(no_wrap=True)
    grid.add_column(overflow="fold")
    return grid


def frame_table(title: str, frame: pd.DataFrame, columns: Iterable[Column]) -> Table:
    """A frame as a rich table: headings translated, text left, numbers right."""
    columns = tuple(columns)
    table = Table(title=title, title_justify="left", box=box.SIMPLE_HEAD, pad_edge=False)
    rows = [[written(row.get(column.key), column) for column in columns]
            for row in frame.to_dict(orient="records")]
    for index, column in enumerate(columns):
        heading = stacked(_(column.heading))
        # the first column names the rows and takes what the others leave; the others are
        # as wide as their values and their headings' longest word (up to WORD_WIDTH)
        width = None if index == 0 else max(
            [min(cell_len(word), WORD_WIDTH) for word in heading.split()]
            + [cell_len(line) for row in rows for line in row[index].split("\n")])
        table.add_column(heading, justify="left" if column.style == "text" else "right",
                         overflow="fold", width=width)
    for row in rows:
        table.add_row(*row)
    return table


def lead_rows(groups: Mapping[str, dict]) -> pd.DataFrame:
    """Lead-time blocks of summary.json (`by_flow`, `by_county`, ...) as rows."""
    return pd.DataFrame([{"group": group, "parcels": block["parcels"],
                          **block["lead_time_h"], "on_time_rate": block["on_time_rate"]}
                         for group, block in groups.items()])


def hours(value: float) -> str:
    return number(value, 0 if float(value).is_integer() else 1)


def on_time_meaning(targets: Targets) -> str:
    """What "on time" means, in words: the target hours by where residents live."""
    def within(flow_targets: TierTargets) -> str:
        return _("within {park} h in the county seat, {station} h in a township town, "
                 "{point} h in a village").format(
            **{tier: hours(getattr(flow_targets, tier)) for tier in RESIDENTS})
    if targets.down_h == targets.up_h:
        return _("{targets}, both ways").format(targets=within(targets.down_h))
    return _("downward {down}; upward {up}").format(down=within(targets.down_h),
                                                     up=within(targets.up_h))


def kpi_report(results: Results) -> Group:
    summary = results.summary
    scenario = results.scenario
    names = Names.of(scenario)
    run, parcels, cost = summary["run"], summary["parcels"], summary["cost"]
    head = lines()
    head.add_row(_("scenario"), summary["scenario"])
    head.add_row(_("days"), _("{days} days from {start} (warm-up {warmup}, drain {drain}), "
                              "seed {seed}").format(
        days=run["days"], start=run["start_date"], warmup=run["warmup_days"],
        drain=hours(run["drain_days"]), seed=run["seed"]))
    head.add_row(_("parcels"), _("{created} created, {delivered} delivered, {inside} still "
                                 "inside at the end; {measured} measured").format(
        created=number(parcels["created"]), delivered=number(parcels["delivered"]),
        inside=number(parcels["in_network"]), measured=number(parcels["measured"])))
    head.add_row(_("on time"), on_time_meaning(scenario.config.targets))
    for index, line in enumerate(cost_lines(cost, parcels["in_network"])):
        head.add_row("" if index else _("cost"), line)
    head.add_row(_("vehicle-km"), number(summary["vehicle_km"]))
    overall = {_("all parcels"): {"parcels": parcels["measured"],
                                  "lead_time_h": summary["lead_time_h"],
                                  "on_time_rate": summary["on_time_rate"]}}
    groups = {**overall,
              **{kind(FLOWS, flow): block for flow, block in summary["by_flow"].items()},
              **{kind(RESIDENTS, tier): block for tier, block in summary["by_tier"].items()}}
    lead = frame_table(_("Lead time by flow and by where the resident lives"),
                       lead_rows(groups), LEAD)
    county = frame_table(_("Lead time by county"), lead_rows(summary["by_county"]),
                         COUNTY_LEAD)
    fleets = frame_table(_("Fleets"), pd.DataFrame([
        {"name": kind(FLEETS, name), **fleet} for name, fleet in summary["fleets"].items()]),
        FLEET_TABLE)
    pressed = frame_table(_("Most pressed resources (bottlenecks.csv has all, with codes)"),
                          bottleneck_rows(results.bottlenecks.head(TOP_ROWS), names), PRESSED)
    tables = [head, lead, county, fleets, pressed]
    if "cold_chain" in summary:
        tables += cold_chain_tables(summary["cold_chain"], names)
    if results.resilience is not None:
        tables += resilience_tables(results, names)
    return Group(*tables)


def resilience_lines(block: Mapping, start_date: dt.date) -> list[tuple[str, str]]:
    """The resilience KPIs as labelled lines, against the undisrupted twin."""
    def at(key: str) -> str:
        return f"{when(start_date, pd.Series([block[key]]))[0]:%Y-%m-%d %H:%M}"

    recovered = block["hours_to_recover"]
    if recovered is None:
        recovery = _("not within the run: the backlog or the on-time rate is still off the "
                     "undisrupted run's at the end")
    else:
        recovery = _("{hours} h after the last disruption ended ({when})").format(
            hours=hours(round(recovered, 1)),
            when=at("recovered_h"))
    return [
        (_("extra delay"), _("{hours} parcel-hours over {parcels} parcels delayed").format(
            hours=number(block["extra_parcel_hours"]), parcels=number(block["parcels_delayed"]))),
        (_("late because"), _("{parcels} parcels late that would have been on time").format(
            parcels=number(block["late_because"]))),
        (_("backlog"), _("{extra} parcels more inside than undisrupted at the worst hour "
                         "({when}); {peak} inside at the most").format(
            extra=number(block["peak_extra_backlog"]),
            when=at("peak_extra_backlog_h"),
            peak=number(block["peak_backlog"]))),
        (_("recovered"), recovery),
        (_("extra cost"), _("{cost} CNY").format(cost=number(block["extra_cost"]))),
        (_("extra spoiled"), _("{tonnes} t").format(tonnes=number(block["extra_spoiled_t"], 1))),
    ]


def resilience_tables(results: Results, names: Names) -> list[Table]:
    """What was disrupted, and what it cost against the same run undisrupted."""
    start = results.output.scenario.config.run.start_date
    resilience = results.resilience
    grid = lines()
    for label, text in resilience_lines(resilience.summary, start):
        grid.add_row(label, text)
    return [
        frame_table(_("Disruptions (disruptions.csv has every one)"),
                    disruption_rows(resilience.events, names, start), DISRUPTIONS),
        frame_table(_("Resilience by county, against the same run undisrupted"),
                    picked(resilience.by_county, RESILIENCE_COUNTY), RESILIENCE_COUNTY),
        grid,
    ]


def cost_lines(cost: Mapping, inside: int) -> list[str]:
    """Cost per delivered parcel with the parcels still inside beside it (where the run has
    it), then per parcel created."""
    created = _("{cost} CNY per parcel created; {total} CNY in all").format(
        cost=number(cost["per_parcel"], 2), total=number(cost["total"]))
    if "per_delivered_parcel" not in cost:
        return [created]
    return [_("{cost} CNY per delivered parcel ({inside} parcels still inside)").format(
        cost=number(cost["per_delivered_parcel"], 2), inside=number(inside)), created]


def cold_chain_tables(chain: dict, names: Names) -> list[Table]:
    """Goods by product, and the hubs' stores and fleets."""
    products = product_frame(chain)
    idle = products["made_t"] == 0  # out of season in the measured window
    tables = [
        frame_table(_("Goods by product (lots.parquet has every lot)"),
                    product_rows(products[~idle], names), GOODS),
        frame_table(_("Hubs and cold storage"), hub_rows(hub_frame(chain), names),
                    tuple(c for c in HUBS if c.heading != DETAIL)),
        frame_table(_("Reefers and trucks"), freight_fleet_rows(fleet_frame(chain), names),
                    RUNS),
    ]
    cost, rooms = chain["cost"], chain["precooling"]
    totals = lines()
    totals.add_row(_("goods"), _("{tonnes} t a day delivered; {reefer_km} reefer-km, "
                                 "{truck_km} truck-km").format(
        tonnes=number(chain["tonnes_per_day"]), reefer_km=number(chain["reefer_km"]),
        truck_km=number(chain["truck_km"])))
    totals.add_row(_("cost"), _("{cold} CNY per tonne of chilled and frozen goods, {all} CNY "
                                "per tonne of all goods").format(
        cold=number(cost["cold_chain_per_tonne"]), all=number(cost["per_tonne"])))
    totals.add_row(_("cold rooms"), ngettext(
        "{rooms} room, {use} used on average, {full} full at some time",
        "{rooms} rooms, {use} used on average, {full} full at some time",
        rooms["rooms"]).format(rooms=number(rooms["rooms"]), use=percent(rooms["utilisation"]),
                               full=number(rooms["full_rooms"])))
    if idle.any():
        totals.add_row(_("not made"), _("{products} (out of season in the measured days)").format(
            products=listed([names.product(p) for p in products.loc[idle, "product"]])))
    return [*tables, totals]


def print_report(results: Results, console: Console | None = None) -> None:
    (console or plain_console()).print(kpi_report(results))


def _estimate(mean: float, low: float, high: float, column: Column) -> str:
    """A mean and its interval, as the KPI reads ('92.7% [91.9%, 93.5%]')."""
    if column.style == "number" and abs(mean) < 10:
        column = Column(column.key, column.heading, "number", 3)
    return f"{written(mean, column)}  [{written(low, column)}, {written(high, column)}]"


def kpi_column(name: str) -> Column:
    """A KPI's heading and how it reads; a KPI without one by its dotted name."""
    return next((c for c in KPIS if c.key == name), Column(name, name, "number", 3))


def print_replications(replications, console: Console | None = None) -> None:
    """Headline KPIs over replications: mean and 95% t interval."""
    kpis = replications.kpis().set_index("kpi")
    table = Table(title=_("Over {count} replications: mean [95% confidence interval] "
                          "(replication_kpis.csv has every KPI)").format(
        count=len(replications.ok)), title_justify="left", box=box.SIMPLE_HEAD, pad_edge=False)
    table.add_column(_("indicator"))
    table.add_column(_("mean [95% confidence interval]"), justify="right")
    for column in KPIS:
        if column.key in kpis.index:
            row = kpis.loc[column.key]
            table.add_row(_(column.heading), _estimate(row["mean"], row["ci_low"],
                                                       row["ci_high"], column))
    console = console or plain_console()
    console.print(table)
    for line in replications.errors():
        console.print(line, style="red")


def print_sweep(result, keys: list[str], console: Console | None = None) -> None:
    """One line per point: its swept values and headline KPIs with 95% intervals."""
    table = Table(title=_("Sweep points: mean [95% confidence interval] (points.csv has every "
                          "KPI)"), title_justify="left", box=box.SIMPLE_HEAD, pad_edge=False)
    for key in keys:
        table.add_column(key, overflow="fold")
    goods = f"{SWEEP_GOODS_KPIS[0]}.mean" in result.points.columns
    shown = [kpi_column(name) for name in SWEEP_KPIS + (SWEEP_GOODS_KPIS if goods else ())
             if f"{name}.mean" in result.points.columns]
    for column in shown:
        table.add_column(stacked(_(column.heading)), justify="right", overflow="fold")
    table.add_column(_("replications"), justify="right")
    for row in result.points.to_dict(orient="records"):
        cells = [str(row.get(value_column(key))) for key in keys]
        for column in shown:
            mean = row.get(f"{column.key}.mean")
            cells.append("-" if mean is None or mean != mean else _estimate(
                mean, row[f"{column.key}.ci_low"], row[f"{column.key}.ci_high"], column))
        failed = _(" ({count} failed)").format(count=row["reps_failed"]) \
            if row["reps_failed"] else ""
        cells.append(f"{row['reps_ok']}{failed}")
        table.add_row(*cells)
    (console or plain_console()).print(table)


def binding_text(binding: str, names: Names) -> str:
    """What broke first: a resource by name with its code, or a failed target as written."""
    named = names.resource(binding)
    return binding if named == binding else f"{named} ({binding})"


def print_capacity(analytic, result, names: Names, console: Console | None = None) -> None:
    console = console or plain_console()
    rows = analytic.head(TOP_ROWS).assign(
        name=[names.resource(r) for r in analytic["resource"].head(TOP_ROWS)])
    console.print(frame_table(_("Analytic capacity: the volume multiplier at which each "
                                "resource saturates (ordinary day; analytic.csv has all, with "
                                "codes)"), rows, ANALYTIC))
    if result.failed_at is None:
        console.print(_("Simulated capacity: no failure up to demand.multiplier {capacity}")
                      .format(capacity=f"{result.capacity:.4g}"), soft_wrap=True)
        if result.stopped is not None:
            console.print(_("The search stopped there: a run at {reason}").format(
                reason=result.stopped), soft_wrap=True)
        return
    console.print(_("Simulated capacity: demand.multiplier {passes} passes, {fails} fails; "
                    "binding: {binding}").format(
        passes=f"{result.capacity:.4g}", fails=f"{result.failed_at:.4g}",
        binding=binding_text(result.binding, names) if result.binding else "-"),
        soft_wrap=True)


def print_plan(result, names: Names, console: Console | None = None) -> None:
    """The plan's frontier, its changes, its cost a day against the scenario's and each
    target on fresh seeds; or, when no plan meets them, which target binds."""
    console = console or plain_console()
    if result.frontier:
        console.print(frame_table(_("Cost against the target (frontier.csv)"),
                                  plan_frontier_rows(result), PLAN_FRONTIER))
    if not result.feasible:
        console.print(plan_binding_words(result), soft_wrap=True)
        return
    rows = plan_change_rows(result, names)
    if len(rows):
        console.print(frame_table(_("Changes (changes.csv)"), rows, PLAN_CHANGES))
    else:
        console.print(_("The scenario as it is is the cheapest plan that meets the targets."))
    console.print(plan_cost_words(result), soft_wrap=True)
    console.print(frame_table(_("Targets on fresh seeds"), plan_verdict_rows(result),
                              PLAN_VERDICTS))


def print_risk(result, console: Console | None = None) -> None:
    """Each plan with every risk at once, then each plan's risks ranked by expected delay."""
    console = console or plain_console()
    plans, risks = result.plans(), result.risks()
    target = percent(result.file.on_time_target, 0)
    console.print(frame_table(_("Plans with every risk at once (plans.csv); a bad day has "
                                "fewer than {target} on time").format(target=target),
                              picked(plans, RISK_PLANS), RISK_PLANS))
    for plan in plans["plan"]:
        console.print(frame_table(_("Risks of {plan}, worst first (risks.csv)").format(
            plan=plan), risk_rows(risks, plan), RISKS))
    for error in result.errors:
        console.print(_("failed: {error}").format(error=error), soft_wrap=True)


def city_lines(parts: Iterable[PartResult]) -> Table:
    """Each city's run: its parcels, its time on its worker and that worker's peak memory
    (blank for cities merged from one whole run)."""
    grid = lines()
    for part in parts:
        text = _("{parcels} parcels").format(parcels=number(part.counts["created"]))
        if part.seconds:
            text += _("; {seconds} s on worker {worker}, whose memory peaked at {gb} GB").format(
                seconds=number(part.seconds, 1), worker=part.worker,
                gb=number(part.peak_bytes / 1e9, 2))
        grid.add_row(part.name, text)
    return grid
