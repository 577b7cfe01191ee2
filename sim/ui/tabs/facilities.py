"""Facilities: sorting lines' busy fraction and the parcels inside, hour by hour."""

from __future__ import annotations

import streamlit as st

from sim.ui.pictures import series
from sim.ui.runs import RunRecord


def show(record: RunRecord) -> None:
    ranked = record.bottlenecks[record.bottlenecks["kind"] == "sorting line"]
    ids = [r.removeprefix("sorting:") for r in ranked["resource"]]
    shown = st.multiselect("Facilities", ids, ids[:4])
    hours = record.hours[record.hours["node"].isin(shown)]
    st.altair_chart(series(hours, "busy_fraction", "Sorting line busy fraction"),
                    width="stretch")
    st.altair_chart(series(hours, "backlog", "Parcels in the facility (hourly mean)"),
                    width="stretch")
