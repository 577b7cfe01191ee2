"""Disruptions and recovery: what the disruptions cost against the same run undisrupted,
the recovery hour by hour and day by day, what was disrupted, and each county's share."""

from __future__ import annotations

import datetime as dt

import streamlit as st

from sim.i18n import _, percent
from sim.report import resilience_lines
from sim.results.columns import DISRUPTIONS, RESILIENCE_COUNTY, disruption_rows
from sim.results.names import FLEETS, kind, listed
from sim.ui.recovery_charts import inside_chart, on_time_chart, recovery
from sim.ui.runs import RunRecord
from sim.ui.tables import table


def show(record: RunRecord) -> None:
    resilience = record.resilience
    if resilience is None:
        return
    start = dt.date.fromisoformat(record.summary["run"]["start_date"])
    st.subheader(_("Against the same run undisrupted"))
    st.markdown("\n".join("- " + _("{label}: {text}").format(label=f"**{label}**", text=text)
                          for label, text in resilience_lines(resilience.summary, start)))
    in_service = resilience.summary.get("vehicles_in_service") or {}
    if in_service:
        st.caption(_("Vehicle-hours in service: {fleets}.").format(fleets=listed([
            _("{fleet} {share}").format(fleet=kind(FLEETS, fleet), share=percent(share))
            for fleet, share in in_service.items()])))
    data = recovery(resilience, record.names, start)
    st.altair_chart(inside_chart(data), width="stretch")
    st.altair_chart(on_time_chart(data), width="stretch")
    st.caption(_("Both runs make the very same parcels; only the disruptions differ. The "
                 "network has recovered once parcels inside stay close to the undisrupted "
                 "run's and each day's on-time rate is back within a few points of it."))
    st.subheader(_("What was disrupted"))
    table(disruption_rows(resilience.events, record.names, start), DISRUPTIONS)
    st.subheader(_("By county"))
    table(resilience.by_county, RESILIENCE_COUNTY)
