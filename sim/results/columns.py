"""How the result tables read: each column's heading with its unit and how its values are
written, one definition for the command line's tables and the app's.

The frames stay data (codes and numbers, `sim.results.goods`, the bottleneck table); a
table here picks their columns in the order a planner reads them, a readable name first and
the code, where there is one, last as the detail. Headings are marked here and translated
where they are shown.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Literal

import pandas as pd

from sim.i18n import N_, _, ngettext, number, percent
from sim.results.names import DISRUPTION_KINDS, FLEETS, GOODS_FLOWS, Names, kind

Style = Literal["text", "count", "number", "share", "flag"]


@dataclass(frozen=True)
class Column:
    """One column: the frame's key, its heading (with its unit), how its values read."""

    key: str
    heading: str  # marked with N_, translated where shown
    style: Style = "number"
    digits: int = 0  # decimals of a number or a share


DETAIL = N_("detail (code)")

BOTTLENECKS = (
    Column("name", N_("resource"), "text"),
    Column("county", N_("county"), "text"),
    Column("utilisation", N_("use (%)"), "share", 1),
    Column("throughput_per_day", N_("parcels a day"), "number"),
    Column("peak_backlog", N_("largest backlog (parcels)"), "count"),
    Column("end_backlog", N_("backlog at the end (parcels)"), "count"),
    Column("backlog_growth_per_day", N_("backlog growth (parcels a day)"), "number", 1),
    Column("unstable", N_("backlog keeps growing"), "flag"),
    Column("resource", DETAIL, "text"),
)
PRODUCTS = (
    Column("name", N_("product"), "text"),
    Column("what", N_("flow"), "text"),
    Column("made_t", N_("made (t)"), "number", 1),
    Column("t_per_day", N_("delivered (t a day)"), "number", 1),
    Column("spoilage_rate", N_("spoiled (%)"), "share", 1),
    Column("in_network_t", N_("still inside (t)"), "number", 1),
    Column("lead_p50_h", N_("median lead time (h)"), "number", 1),
    Column("lead_p95_h", N_("95th percentile lead time (h)"), "number", 1),
    Column("out_of_cold_p95_h", N_("95th percentile out of refrigeration (h)"), "number", 1),
    Column("product", DETAIL, "text"),
)
PLACES = (
    Column("name", N_("product"), "text"),
    Column("where", N_("county or hub"), "text"),
    Column("made_t", N_("made (t)"), "number", 1),
    Column("spoiled_t", N_("spoiled (t)"), "number", 1),
    Column("spoilage_rate", N_("spoiled (%)"), "share", 1),
    Column("product", DETAIL, "text"),
)
HUBS = (
    Column("name", N_("hub"), "text"),
    Column("pallets_handled", N_("pallets handled"), "count"),
    Column("dock_use", N_("dock use (%)"), "share", 1),
    Column("cold_store_pallets", N_("cold store (pallets)"), "count"),
    Column("peak", N_("most stored (pallets)"), "number"),
    Column("mean_use", N_("cold store use (%)"), "share", 1),
    Column("hub", DETAIL, "text"),
)
FREIGHT_FLEETS = (
    Column("name", N_("fleet"), "text"),
    Column("vehicles", N_("vehicles"), "count"),
    Column("reefer", N_("refrigerated"), "flag"),
    Column("trips", N_("trips"), "count"),
    Column("km", N_("vehicle-km"), "number"),
    Column("time_busy", N_("time busy (%)"), "share", 1),
    Column("peak_out", N_("most out at once (vehicles)"), "count"),
    Column("fleet", DETAIL, "text"),
)
DISRUPTIONS = (
    Column("what", N_("disruption"), "text"),
    Column("when", N_("when"), "text"),
    Column("where", N_("where"), "text"),
)
RESILIENCE_COUNTY = (
    Column("county", N_("county"), "text"),
    Column("parcels_delayed", N_("parcels delayed"), "count"),
    Column("extra_parcel_hours", N_("extra delay (parcel-hours)"), "number"),
    Column("late_because", N_("late because of the disruptions (parcels)"), "count"),
)
RISKS = (
    Column("risk", N_("risk"), "text"),
    Column("extra_parcel_hours", N_("expected extra delay (parcel-h)"), "number"),
    Column("late_because", N_("late parcels"), "number"),
    Column("extra_spoiled_t", N_("spoiled (t)"), "number", 1),
    Column("struck", N_("runs struck (%)"), "share", 0),
    Column("hours_to_recover", N_("median recovery (h)"), "number", 0),
)
RISK_PLANS = (
    Column("plan", N_("plan"), "text"),
    Column("lead_p95_median", N_("p95 lead, median run (h)"), "number", 1),
    Column("lead_p95_worst", N_("p95 lead, worst 5% (h)"), "number", 1),
    Column("days_below_target", N_("bad days (%)"), "share", 0),
    Column("extra_parcel_hours", N_("extra delay (parcel-h)"), "number"),
    Column("against_first", N_("vs first plan (parcel-h)"), "number"),
)
PLACES_NAMED = 1  # places named in a disruption's row; the rest are counted


def written(value: object, column: Column) -> str:
    """One value as text: '-' where there is none, shares in per cent, numbers with
    thousands separators, a flag as 'yes' or blank."""
    if column.style == "flag":
        return _("yes") if bool(value) else ""
    if value is None or (isinstance(value, float) and value != value):
        return "-"
    if column.style == "text":
        return str(value)
    if column.style == "share":
        return percent(float(value), column.digits)
    digits = 0 if column.style == "count" else column.digits
    return number(round(float(value), digits) + 0.0, digits)  # + 0.0: never "-0.0"


def picked(frame: pd.DataFrame, columns: tuple[Column, ...]) -> pd.DataFrame:
    """The table's columns of a frame, in its order."""
    return frame[[column.key for column in columns]]


def bottleneck_rows(table: pd.DataFrame, names: Names) -> pd.DataFrame:
    """The bottleneck table with each resource by name."""
    return picked(table.assign(name=[names.resource(r) for r in table["resource"]]),
                  BOTTLENECKS)


def product_rows(products: pd.DataFrame, names: Names) -> pd.DataFrame:
    """Goods by product (`sim.results.goods.product_frame`) with names."""
    return picked(products.assign(
        name=[names.product(p) for p in products["product"]],
        what=[kind(GOODS_FLOWS, flow) for flow in products["flow"]]), PRODUCTS)


def place_rows(places: pd.DataFrame, names: Names) -> pd.DataFrame:
    """Goods by product and place (`sim.results.goods.place_frame`) with names."""
    return picked(places.assign(name=[names.product(p) for p in places["product"]],
                                where=[names.place(p) for p in places["place"]]), PLACES)


def hub_rows(hubs: pd.DataFrame, names: Names) -> pd.DataFrame:
    """Hubs and cold storage (`sim.results.goods.hub_frame`) with names."""
    return picked(hubs.assign(name=[names.hub(h) for h in hubs["hub"]]), HUBS)


def freight_fleet_rows(fleets: pd.DataFrame, names: Names) -> pd.DataFrame:
    """Reefers and trucks (`sim.results.goods.fleet_frame`) with names."""
    return picked(fleets.assign(name=[names.freight_fleet(f) for f in fleets["fleet"]]),
                  FREIGHT_FLEETS)


# A plan (`sim plan`): its changes, its targets on fresh seeds, its frontier
PLAN_SEARCHES = {"exhaustive": N_("exhaustive"), "greedy": N_("greedy")}
PLAN_CHANGES = (
    Column("place", N_("where"), "text"),
    Column("decision", N_("decision"), "text"),
    Column("now", N_("now"), "text"),
    Column("planned", N_("plan"), "text"),
    Column("node_id", DETAIL, "text"),
)
PLAN_VERDICTS = (  # the target first: a table's first column folds to what the others leave
    Column("target", N_("target"), "text"),
    Column("condition", N_("demand condition"), "text"),
    Column("now", N_("now (95% interval)"), "text"),
    Column("plan", N_("plan (95% interval)"), "text"),
    Column("verdict", N_("verdict"), "text"),
)
PLAN_FRONTIER = (
    Column("target", N_("target"), "text"),
    Column("cost", N_("cost a day (CNY)"), "text"),
    Column("changes", N_("changes"), "text"),
)


def plan_change_rows(result, names: Names) -> pd.DataFrame:
    """What a plan (`sim.experiment.plan.search.PlanResult`, its `changes`) changes where:
    places by name, values as numbers (`scenario`, `plan`) and as written (`now`,
    `planned`)."""
    table = result.changes if result.changes is not None else pd.DataFrame(
        columns=["place", "decision", "named_by", "scenario", "plan", "node_id"])
    return pd.DataFrame({
        "place": [place or _("everywhere") for place in table["place"]],
        "decision": table["decision"], "named_by": table["named_by"],
        "scenario": table["scenario"], "plan": table["plan"],
        "now": [_setting(v) for v in table["scenario"]],
        "planned": [_setting(v) for v in table["plan"]],
        "node_id": table["node_id"]})


def _setting(value: float) -> str:
    """A decision's value: a count with separators, a rate or a share as written (0.35)."""
    return number(value) if float(value).is_integer() else f"{value:g}"


def plan_verdict_rows(result, said=None) -> pd.DataFrame:
    """Each target in each condition on fresh seeds: the scenario as it is (mean and
    interval on the same seeds), the plan's mean and interval, whether it holds.
    `said(target_text, value)` writes a target and its values (default: as written, 3
    significant digits; the app says them in words)."""
    def plain(target: str, value: float | None = None) -> str:
        return target if value is None else f"{value:.3g}"
    said = said or plain
    now = {(v.condition, v.target): v for v in result.baseline_verdicts}

    def spread(target: str, verdict) -> str:  # a search.Verdict, or None
        return "-" if verdict is None else (
            f"{said(target, verdict.mean)} ({said(target, verdict.ci_low)}-"
            f"{said(target, verdict.ci_high)})")
    return pd.DataFrame([{
        "condition": v.condition, "target": said(v.target),
        "now": spread(v.target, now.get((v.condition, v.target))),
        "plan": spread(v.target, v),
        "verdict": _("holds") if v.held else _("not shown")} for v in result.verdicts],
        columns=["target", "condition", "now", "plan", "verdict"])


def plan_frontier_rows(result) -> pd.DataFrame:
    """The plan's cost a day at each value of the frontier's target."""
    return pd.DataFrame([{
        "target": str(target), "value": target.value,
        "cost_per_day": level.best.cost_per_day if level.best else float("nan"),
        "cost": number(round(level.best.cost_per_day)) if level.best else _("no plan"),
        "changes": number(len(level.overrides())) if level.best else "-"}
        for target, level in result.frontier],
        columns=["target", "value", "cost_per_day", "cost", "changes"])


def plan_cost_words(result) -> str:
    """The plan's cost a day against now, and how it was found."""
    return _("Cost a day: {plan} CNY against {baseline} CNY now ({method} search, {runs} runs, "
             "{seconds} s).").format(
        plan=number(round(result.best.cost_per_day)),
        baseline=number(round(result.baseline.cost_per_day)),
        method=_(PLAN_SEARCHES.get(result.method, result.method)), runs=number(result.runs),
        seconds=number(result.seconds))


def plan_binding_words(result, said=None) -> str:
    """Why no plan is recommended: the binding target, its best value, at what cost.
    `said` as for `plan_verdict_rows`."""
    binding = result.binding or {}
    target = binding.get("target", "-")
    value = binding.get("best_value", float("nan"))
    return _("No plan within the decisions' ranges meets every target. Binding: {target} in "
             "{condition}, best {value} at {cost} CNY a day.").format(
        target=said(target) if said else target, condition=binding.get("condition", "-"),
        value=said(target, value) if said else f"{value:.4g}",
        cost=number(round(binding.get("at_cost_per_day", 0.0))))


def disruption_rows(events: pd.DataFrame, names: Names, start_date: dt.date) -> pd.DataFrame:
    """Scheduled disruptions one per row, random ones one row per kind and name (how many
    times, hours in all)."""
    day0 = dt.datetime.combine(start_date, dt.time())

    def when(hours: float) -> str:
        return f"{day0 + dt.timedelta(hours=float(hours)):%m-%d %H:%M}"

    rows = []
    for event in events[~events["random"]].to_dict(orient="records"):
        places = [names.hub(n) if n in names.of_hub else names.node(n)
                  for n in event["nodes"].split()]
        where = ", ".join(places[:PLACES_NAMED])
        if len(places) > PLACES_NAMED:
            where = _("{named} and {more} more").format(named=where,
                                                        more=len(places) - PLACES_NAMED)
        if event["roads"]:
            where = _("{roads} road sections").format(roads=number(event["roads"]))
        rows.append({"what": _event_name(event["kind"], event["name"]),
                     "when": f"{when(event['start_h'])} -\n{when(event['end_h'])}",
                     "where": where})
    drawn = events[events["random"]]
    for (what, name), group in drawn.groupby(["kind", "name"], sort=False):
        rows.append({"what": _event_name(what, name), "when": _("random"),
                     "where": ngettext("{times} time, {hours} h in all",
                                       "{times} times, {hours} h in all", len(group)).format(
                         times=number(len(group)),
                         hours=number((group["end_h"] - group["start_h"]).sum()))})
    return pd.DataFrame(rows, columns=[c.key for c in DISRUPTIONS])


def _event_name(what: str, name: str) -> str:
    """A disruption by its name, else by what it is; vehicles out by their fleet."""
    if what == "fleet":
        return kind(FLEETS, name)
    return name or kind(DISRUPTION_KINDS, what)


def risk_rows(risks: pd.DataFrame, plan: str) -> pd.DataFrame:
    """One plan's risks, worst first."""
    return picked(risks[risks["plan"] == plan], RISKS)
