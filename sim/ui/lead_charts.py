"""Lead-time charts that answer against the scenario's targets.

Each tier's target is a rule on its distribution, so a planner reads the on-time share where
the curve crosses it; the axis ends at the 99.5th percentile, and what lies beyond is said
in words rather than squeezing the body of the distribution into a corner. Counties are one
row each (median and 95th percentile against the target), or small multiples, never one
tangle of overlapping curves.
"""

from __future__ import annotations

import altair as alt
import pandas as pd

from sim.i18n import _, language, ngettext, number, percent
from sim.results.names import RESIDENTS, kind
from sim.results.views import ALL_COUNTIES, LeadTail
from sim.scenario.models import SERVED_TIERS

TIER_COLOURS = {"park": "#4c78a8", "station": "#f58518", "point": "#54a24b"}
MEASURES = {"within": "linear", "in_bin": "step-before"}  # -> how the curve is drawn
LABEL_STEP = 32  # pixels between the target labels of successive tiers


def tier_scale() -> alt.Scale:
    """The same colour for a tier in every chart and language."""
    return alt.Scale(domain=[kind(RESIDENTS, tier) for tier in SERVED_TIERS],
                     range=[TIER_COLOURS[tier] for tier in SERVED_TIERS])


def _targets(groups: pd.DataFrame, flow: str, by_county: bool, bottom: float) -> pd.DataFrame:
    """One target rule per tier (and county) with its on-time share, and where its label
    goes: tier by tier upward from `bottom` (pixels), so close targets' labels never meet."""
    rows = groups[(groups["flow"] == flow)
                  & ((groups["county"] != ALL_COUNTIES) == by_county)]
    return pd.DataFrame({
        "county": rows["county"], "tier": rows["tier"].map(lambda t: kind(RESIDENTS, t)),
        "target_h": rows["target_h"],
        "label": [[_("target {hours} h").format(hours=number(hours)),
                   _("{share} on time").format(share=percent(share))]
                  for hours, share in zip(rows["target_h"], rows["on_time_share"],
                                          strict=True)],
        "on_time": rows["on_time_share"], "layer": "target",
        "label_y": [bottom - LABEL_STEP * SERVED_TIERS.index(t) for t in rows["tier"]]})


def lead_chart(curves: pd.DataFrame, groups: pd.DataFrame, flow: str, end_h: float,
               measure: str = "within", by_county: bool = False) -> alt.TopLevelMixin:
    """Curves of `lead_within` (one flow; by tier, or by county and tier as small
    multiples) with each tier's target as a dashed rule, on an axis from 0 to `end_h`."""
    height = 170 if by_county else 320
    frame = pd.concat([
        pd.DataFrame({"county": curves["county"] if by_county else ALL_COUNTIES,
                      "tier": curves["tier"].map(lambda t: kind(RESIDENTS, t)),
                      "lead_h": curves["lead_h"], "share": curves[measure],
                      "layer": "curve"}),
        _targets(groups, flow, by_county, height - 6)], ignore_index=True)
    x_axis = alt.X("lead_h:Q", title=_("Lead time (h)"),
                   scale=alt.Scale(domain=[0, end_h], nice=False))
    colour = alt.Color("tier:N", title=_("Where the resident lives"), scale=tier_scale())
    y_title = (_("Delivered within this time (share of parcels)") if measure == "within"
               else _("Delivered in this hour (share of parcels)"))
    line = alt.Chart().mark_line(interpolate=MEASURES[measure], clip=True).encode(
        x=x_axis, y=alt.Y("share:Q", title=y_title, axis=alt.Axis(format="%")),
        color=colour,
        tooltip=[alt.Tooltip("tier:N", title=_("Where the resident lives")),
                 alt.Tooltip("lead_h:Q", title=_("Lead time (h)"), format=",.0f"),
                 alt.Tooltip("share:Q", title=y_title, format=".1%")],
    ).transform_filter(alt.datum.layer == "curve")
    target_tips = [alt.Tooltip("tier:N", title=_("Where the resident lives")),
                   alt.Tooltip("target_h:Q", title=_("Target (h)"), format=",.0f"),
                   alt.Tooltip("on_time:Q", title=_("On time"), format=".1%")]
    rule = alt.Chart().mark_rule(strokeDash=[5, 3], size=2).encode(
        x=alt.X("target_h:Q"), color=colour, tooltip=target_tips,
    ).transform_filter(alt.datum.layer == "target")
    text = alt.Chart().mark_text(align="left", dx=3, baseline="bottom").encode(
        x=alt.X("target_h:Q"), y=alt.Y("label_y:Q", scale=None), text="label:N",
        color=colour,
        tooltip=target_tips,
    ).transform_filter(alt.datum.layer == "target")
    layers = alt.layer(line, rule, text, data=frame)
    if not by_county:
        return layers.properties(height=height, title=_("By where the resident lives"))
    return layers.properties(width=260, height=height).facet(
        facet=alt.Facet("county:N", title=None), columns=3,
    ).properties(title=_("County by county"))


def county_chart(groups: pd.DataFrame, flow: str) -> alt.FacetChart:
    """One row per county and a panel per tier: the median and the 95th percentile of its
    lead times, against the tier's target (a 95th percentile beyond it in red)."""
    rows = groups[(groups["flow"] == flow) & (groups["county"] != ALL_COUNTIES)
                  & (groups["delivered"] > 0)]
    beyond, within = _("95th percentile beyond the target"), _("95th percentile within the target")
    frame = pd.DataFrame({
        "county": rows["county"], "tier": rows["tier"].map(lambda t: kind(RESIDENTS, t)),
        "p50": rows["p50_h"], "p95": rows["p95_h"], "target_h": rows["target_h"],
        "on_time": rows["on_time_share"], "parcels": rows["parcels"],
        "verdict": [beyond if p95 > target else within
                    for p95, target in zip(rows["p95_h"], rows["target_h"], strict=True)]})
    tips = [alt.Tooltip("county:N", title=_("County")),
            alt.Tooltip("tier:N", title=_("Where the resident lives")),
            alt.Tooltip("p50:Q", title=_("Median lead time (h)"), format=",.1f"),
            alt.Tooltip("p95:Q", title=_("95th percentile lead time (h)"), format=",.1f"),
            alt.Tooltip("target_h:Q", title=_("Target (h)"), format=",.0f"),
            alt.Tooltip("on_time:Q", title=_("On time"), format=".1%"),
            alt.Tooltip("parcels:Q", title=_("Parcels measured"), format=",.0f")]
    y = alt.Y("county:N", title=None, sort=sorted(frame["county"].unique()))
    hours = alt.X("p50:Q", title=_("Lead time (h)"))
    span = alt.Chart().mark_rule(size=3, color="#9e9e9e").encode(
        x=hours, x2="p95:Q", y=y, tooltip=tips)
    median = alt.Chart().mark_point(filled=False, size=70, color="#424242").encode(
        x=hours, y=y, tooltip=tips)
    tail = alt.Chart().mark_point(filled=True, size=90).encode(
        x="p95:Q", y=y, tooltip=tips,
        color=alt.Color("verdict:N", title=None, scale=alt.Scale(
            domain=[within, beyond], range=["#2e7d32", "#c62828"])))
    target = alt.Chart().mark_rule(strokeDash=[5, 3], size=2, color="#212121").encode(
        x="target:Q", tooltip=[alt.Tooltip("target:Q", title=_("Target (h)"))],
    ).transform_aggregate(target="max(target_h)")
    tiers = [kind(RESIDENTS, tier) for tier in SERVED_TIERS]
    return alt.layer(span, median, tail, target, data=frame).properties(
        width=220, height=alt.Step(26)).facet(
        column=alt.Column("tier:N", title=None, sort=tiers),
    ).properties(title=_("Median (ring) and 95th percentile (dot) against the target"))


def sentences(*said: str) -> str:
    """Sentences one after another: Chinese sets none of the spaces English puts between."""
    return ("" if language() == "zh" else " ").join(said)


def tail_sentence(tail: LeadTail) -> str:
    """What the axis leaves out, in words."""
    if tail.beyond:
        share = percent(tail.beyond_share, 2 if tail.beyond_share < 0.001 else 1)
        said = _("{share} of delivered parcels took longer than {hours} h, the longest "
                 "{longest} h.").format(share=share, hours=number(tail.end_h),
                                        longest=number(tail.longest_h))
    else:
        said = _("Every delivered parcel took at most {hours} h.").format(
            hours=number(tail.end_h))
    if tail.not_through:
        still = ngettext("{count} parcel was still on its way at the end of the run.",
                         "{count} parcels were still on their way at the end of the run.",
                         tail.not_through)
        said = sentences(said, still.format(count=number(tail.not_through)))
    return said
