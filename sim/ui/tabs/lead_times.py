"""Lead times against the targets: by where residents live, and county by county."""

from __future__ import annotations

import streamlit as st

from sim.demand import FLOW_NAMES
from sim.i18n import N_, _
from sim.results.names import FLOWS, kind
from sim.results.views import ChartTables, lead_tail, lead_within
from sim.ui.fragments import fragment
from sim.ui.lead_charts import county_chart, lead_chart, sentences, tail_sentence
from sim.ui.runs import RunRecord

SHOWN = {"within": N_("Share delivered within each time"),
         "in_bin": N_("Share delivered in each hour")}


def show(record: RunRecord) -> None:
    view(record.charts)


@fragment
def view(tables: ChartTables) -> None:
    """The flow and the kind of curve are chosen here; changing them redraws only this."""
    bins, groups = tables.lead_bins, tables.lead_groups
    left, right = st.columns(2)
    flow = left.radio(_("Flow"), FLOW_NAMES, format_func=lambda f: kind(FLOWS, f),
                      horizontal=True, key="lead_times.flow")
    measure = right.radio(_("Curve"), list(SHOWN), format_func=lambda m: _(SHOWN[m]),
                          horizontal=True, key="lead_times.curve")
    if not groups.loc[groups["flow"] == flow, "parcels"].sum():
        st.info(_("No parcels of this flow were measured."))
        return
    tail = lead_tail(bins, groups, flow)
    curves = lead_within(bins, groups, flow, ["tier"], tail.end_h)
    st.altair_chart(lead_chart(curves, groups, flow, tail.end_h, measure), width="stretch")
    said = tail_sentence(tail)
    if measure == "within":
        said = sentences(said, _("Where a curve crosses its target is the share on time; "
                                 "parcels still on their way count as late."))
    st.caption(said)
    st.altair_chart(county_chart(groups, flow), width="content")
    # drawn only when asked for: a collapsed expander would still draw its 15 panels
    if st.toggle(_("Distributions county by county"), key="lead_times.by_county"):
        by_county = lead_within(bins, groups, flow, ["county", "tier"], tail.end_h)
        st.altair_chart(lead_chart(by_county, groups, flow, tail.end_h, measure,
                                   by_county=True), width="content")
