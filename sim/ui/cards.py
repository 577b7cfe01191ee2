"""The KPI cards above the tabs, with deltas against a pinned run."""

from __future__ import annotations

import streamlit as st

from sim.ui.runs import RunRecord

CARDS = [("lead_time_h.p50", "Lead time p50 (h)", "inverse", "{:.1f}"),
         ("lead_time_h.p95", "Lead time p95 (h)", "inverse", "{:.1f}"),
         ("on_time_rate", "On time", "normal", "{:.1%}"),
         ("cost.per_parcel", "Cost per parcel", "inverse", "{:.2f}")]
GOODS_CARDS = [("cold_chain.spoilage_rate", "Cold-chain spoilage", "inverse", "{:.1%}")]


def cards(record: RunRecord, baseline: RunRecord | None) -> None:
    shown = CARDS + (GOODS_CARDS if "cold_chain" in record.summary else [])
    columns = st.columns(len(shown))
    for column, (key, label, colour, style) in zip(columns, shown, strict=True):
        value = record.kpis.get(key)
        delta = None
        if baseline is not None and value is not None and baseline.kpis.get(key) is not None:
            change = value - baseline.kpis[key]
            delta = style.format(change) if style != "{:.1%}" else f"{100 * change:+.1f} pts"
        column.metric(label, "-" if value is None or value != value else style.format(value),
                      delta, delta_color=colour)
