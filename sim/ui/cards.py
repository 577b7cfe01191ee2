"""The KPI cards above the tabs, with changes against the baseline run.

A change is shown only against a run of the same network (sim.ui.runs.same_network): a
tutorial run against a Kaifeng run would be a difference of two places, not of two
settings. A change of nothing is written without a coloured arrow.
"""

from __future__ import annotations

import streamlit as st

from sim.i18n import _
from sim.ui.kpis import KPIS, Kpi, Measured
from sim.ui.runs import RunRecord, same_network

CARDS = ["lead_time_h.p50", "lead_time_h.p95", "on_time_rate", "cost.per_delivered_parcel",
         "parcels.in_network"]
GOODS_CARDS = ["cold_chain.spoilage_rate"]


def cards(record: RunRecord, baseline: RunRecord | None) -> None:
    """One card per KPI; changes against `baseline` where it is a run of the same network
    (else a warning, and no changes)."""
    if baseline is not None and not same_network(record, baseline):
        st.warning(_("No changes shown: the baseline is a run of another network "
                     "({scenario}). Choose a run of this network under \"Deltas against\".")
                   .format(scenario=baseline.summary["scenario"]))
        baseline = None
    if baseline is record:
        baseline = None
    kpi_cards(record, baseline)


def kpi_cards(record: Measured, baseline: Measured | None = None) -> None:
    """The cards of a run (a single network's or a province's), with changes against
    `baseline`, a run of the same network, if any."""
    shown = CARDS + (GOODS_CARDS if "cold_chain" in record.summary else [])
    for column, key in zip(st.columns(len(shown)), shown, strict=True):
        card(column, KPIS[key], record, baseline)
    per_created = KPIS["cost.per_parcel"]
    st.caption(_("{name}: {value}. Costs are those of the measured days; per delivered "
                 "parcel counts the parcels the network delivered in them.").format(
        name=per_created.name, value=per_created.value(record.kpis.get(per_created.key))))


def card(column, kpi: Kpi, record: Measured, baseline: Measured | None) -> None:
    value = record.kpis.get(kpi.key)
    before = None if baseline is None else baseline.kpis.get(kpi.key)
    if value is None or before is None or value != value or before != before:
        column.metric(kpi.name, kpi.value(value))
        return
    change = value - before
    if kpi.unchanged(change):  # no arrow, no colour
        column.metric(kpi.name, kpi.value(value), kpi.change(change), delta_color="off",
                      delta_arrow="off")
        return
    colour = "off" if kpi.lower_is_better is None else \
        "inverse" if kpi.lower_is_better else "normal"
    column.metric(kpi.name, kpi.value(value), kpi.change(change), delta_color=colour)
