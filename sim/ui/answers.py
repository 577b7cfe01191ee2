"""Answers first: what a run found against its scenario's targets, in a few sentences a
planner can read out in a meeting, above the tabs.

On time by where residents live and by county (which county is furthest from its targets,
and by how much), the 95th percentile of village lead times against the village target,
the first resource to saturate and at what volume (the analytic capacity table kept with
the run), cost per delivered parcel beside cost per parcel created and the parcels still
inside, and spoilage product by product. Places and resources by their names, numbers
with their units.
"""

from __future__ import annotations

import math
import re

import streamlit as st

from sim.i18n import _, number, percent
from sim.results.names import RESIDENTS, kind
from sim.scenario.models import SERVED_TIERS
from sim.ui.kpis import KPIS, Measured
from sim.ui.runs import RunRecord, same_network

CHILLED = ("chilled", "frozen")  # chains whose goods can spoil
LISTED = 12  # places named in a sentence by place: a province's 144 counties would be a page
_MARKDOWN = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>~$])")


def show(record: RunRecord, baseline: RunRecord | None) -> None:
    """The answers, as a short list in a box."""
    box(statements(record, baseline))


def box(lines: list[str]) -> None:
    """Sentences (Markdown) as a short list in a box."""
    with st.container(border=True):
        st.markdown("\n".join(f"- {line}" for line in lines))


def statements(record: RunRecord, baseline: RunRecord | None = None) -> list[str]:
    """The sentences, in the language in force (Markdown, names escaped)."""
    found = [on_time(record), by_county(record), village_tail(record),
             first_to_saturate(record), cost(record), spoilage(record),
             against(record, baseline)]
    return [line for line in found if line]


def on_time(record: Measured) -> str:
    kpis = record.kpis
    tiers = [(tier, kpis.get(f"by_tier.{tier}.on_time_rate")) for tier in SERVED_TIERS]
    return _("On time: {share} of parcels within their target ({targets}); {tiers}.").format(
        share=percent(kpis.get("on_time_rate")), targets=targets(record),
        tiers=listed(_("{where} {share}").format(where=kind(RESIDENTS, tier),
                                                  share=percent(share))
                     for tier, share in tiers if _known(share)))


def targets(record: Measured) -> str:
    """The target hours by where residents live (upward ones too where they differ)."""
    down, up = record.targets["down_h"], record.targets["up_h"]

    def hours(table: dict[str, float]) -> str:
        return listed(_("{where} {hours} h").format(where=kind(RESIDENTS, tier),
                                                    hours=number(table[tier]))
                      for tier in SERVED_TIERS)

    if down == up:
        return hours(down)
    return _("to residents: {down}; from residents: {up}").format(down=hours(down),
                                                                  up=hours(up))


def by_county(record: Measured) -> str:
    """Each county's on-time share (the lowest few, where there are many); the one furthest
    from its targets, and by how much."""
    kpis = record.kpis
    shares = {county: kpis.get(f"by_county.{county}.on_time_rate")
              for county in record.summary.get("by_county", {})}
    shares = {county: share for county, share in shares.items() if _known(share)}
    if not shares:
        return ""
    worst = min(shares, key=shares.__getitem__)
    late = _("{late} of its parcels late").format(late=percent(1 - shares[worst]))
    if len(shares) == 1:
        return _("On time in {county}: {share}, {late}.").format(
            county=escaped(worst), share=percent(shares[worst]), late=late)
    gap = kpis["on_time_rate"] - shares[worst]
    return _("On time by county: {counties}. Furthest from its targets: {county}, {late}, "
             "{gap} below the whole network.").format(
        counties=lowest(shares), county=escaped(worst), late=late,
        gap=KPIS["on_time_rate"].change(gap).lstrip("+"))


def lowest(shares: dict[str, float]) -> str:
    """Places by name with their on-time shares, the lowest first; only the lowest few
    where there are many."""
    ranked = sorted(shares.items(), key=lambda item: item[1])
    named = listed(_("{county} {share}").format(county=escaped(name), share=percent(share))
                   for name, share in ranked[:LISTED])
    if len(ranked) <= LISTED:
        return named
    return _("the lowest {count} of {total}: {places}").format(
        count=LISTED, total=len(ranked), places=named)


def village_tail(record: Measured) -> str:
    p95 = record.kpis.get("by_tier.point.lead_time_h.p95")
    if not _known(p95):
        return ""
    target = record.targets["down_h"]["point"]
    if p95 > target:
        verdict = _("{hours} h over the {target} h target").format(
            hours=number(p95 - target, 1), target=number(target))
    else:
        verdict = _("within the {target} h target").format(target=number(target))
    return _("95% of the village parcels delivered took at most {p95} h: {verdict}.").format(
        p95=number(p95, 1), verdict=verdict)


def first_to_saturate(record: RunRecord) -> str:
    if record.capacity.empty or not math.isfinite(record.capacity["bound"].iloc[0]):
        return ""  # nothing is asked of any resource
    first = record.capacity.iloc[0]
    multiplier = record.summary["run"]["demand_multiplier"]
    sentence = _("First to saturate: {resource}, at {bound} times an ordinary day's volume "
                 "(this run: {multiplier} times).").format(
        resource=escaped(record.names.resource(first["resource"])),
        bound=number(first["bound"], 2), multiplier=number(multiplier, 2))
    if multiplier > first["bound"]:
        sentence += " " + _("This run asks more of it than it can carry.")
    return sentence


def cost(record: Measured) -> str:
    kpis = record.kpis
    return _("Cost: {delivered} CNY per delivered parcel ({created} CNY per parcel created); "
             "{inside} parcels still inside at the end of the run.").format(
        delivered=number(kpis.get("cost.per_delivered_parcel"), 2),
        created=number(kpis.get("cost.per_parcel"), 2),
        inside=number(kpis.get("parcels.in_network")))


def spoilage(record: RunRecord) -> str:
    """Spoilage of chilled and frozen goods, and product by product: one product can lose
    a sixth while all goods lose little."""
    goods = record.summary.get("cold_chain")
    if goods is None:
        return ""
    kpis = record.kpis
    products = {name: kpis.get(f"cold_chain.products.{name}.spoilage_rate")
                for name, product in goods["products"].items()
                if product["chain"] in CHILLED and product["lots"]}
    ranked = sorted(((name, rate) for name, rate in products.items() if _known(rate)),
                    key=lambda item: -item[1])
    each = [_("{product} {share}").format(product=escaped(record.names.product(name)),
                                          share=percent(rate)) for name, rate in ranked]
    return _("Spoilage: {all} of chilled and frozen goods; by product: {products}.").format(
        all=percent(kpis.get("cold_chain.spoilage_rate")), products=listed(each) or "-")


def against(record: RunRecord, baseline: RunRecord | None) -> str:
    """The main changes against the baseline, when it is another run of this network."""
    if baseline is None or baseline is record or not same_network(record, baseline):
        return ""
    changes = []
    for key in ("on_time_rate", "by_tier.point.lead_time_h.p95", "cost.per_delivered_parcel",
                "parcels.in_network"):
        now, before = record.kpis.get(key), baseline.kpis.get(key)
        if _known(now) and _known(before):
            kpi = KPIS[key]
            changes.append(_("{kpi} {change}").format(kpi=kpi.name,
                                                      change=kpi.change(now - before)))
    if not changes:
        return ""
    return _("Against the baseline (made {made}): {changes}.").format(
        made=baseline.made.strftime("%m-%d %H:%M"), changes=listed(changes))


def listed(items) -> str:
    return _(", ").join(items)


def escaped(text: str) -> str:
    """A name from the scenario, shown as text in Markdown (an upload is a stranger's)."""
    return _MARKDOWN.sub(r"\\\1", str(text))


def _known(value: float | None) -> bool:
    return value is not None and value == value
