"""Sweep: one lever over a list of values against a KPI, with 95% intervals."""

from __future__ import annotations

import streamlit as st

from sim.errors import UserError
from sim.scenario import LoadedScenario
from sim.ui import levers
from sim.ui.pictures import sweep_band
from sim.ui.runs import RunRecord
from sim.ui.session import cached_sweep

SWEEP_KPIS = ["on_time_rate", "lead_time_h.p95", "lead_time_h.mean", "cost.per_parcel",
              "by_tier.point.lead_time_h.p95"]


def show(record: RunRecord, scenario: LoadedScenario, key: str) -> None:
    keys = list(levers.SWEEPABLE)
    lever = st.selectbox("Lever", keys, index=keys.index("fleets.village.vehicles"))
    values = st.text_input("Values", "1, 2, 3, 4")
    kpi = st.selectbox("KPI", SWEEP_KPIS)
    reps = st.slider("Replications per point", 2, 10, 3)
    if st.button("Run sweep"):
        try:
            with st.spinner("Sweeping..."):
                points = cached_sweep(scenario, key, record.overrides, lever, values, reps)
        except UserError as error:
            st.error(error.message)
            return
        failed = points[points["reps_failed"] > 0]
        for row in failed.itertuples():
            st.warning(f"{lever}={row.point}: {row.error}")
        if f"{kpi}.mean" in points.columns:
            st.altair_chart(sweep_band(points, lever, kpi), width="stretch")
        st.dataframe(points, hide_index=True)
