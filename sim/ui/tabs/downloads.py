"""Downloads: the scenario as run, the KPIs and the tables."""

from __future__ import annotations

import json

import streamlit as st

from sim.results.jsonable import json_ready
from sim.ui.runs import RunRecord


def show(record: RunRecord) -> None:
    st.download_button("Scenario as run, with its tables (zip)", record.scenario_zip,
                       "scenario.zip", "application/zip")
    st.download_button("KPIs (JSON)", json.dumps(json_ready(record.summary), indent=1,
                                                 ensure_ascii=False), "summary.json")
    st.download_button("Bottlenecks (CSV)", record.bottlenecks.to_csv(index=False),
                       "bottlenecks.csv")
    st.download_button("Nodes (CSV)", record.nodes.to_csv(index=False), "nodes.csv")
    st.download_button("Facility hours (Parquet)", record.hours.to_parquet(index=False),
                       "facility_hours.parquet")
    st.download_button("Facility hours (CSV)", record.hours.to_csv(index=False),
                       "facility_hours.csv")
    with st.expander("Scenario as run"):
        st.code(record.scenario_yaml, language="yaml")
        st.caption("Unzip the download and `sim run scenario.yaml` reproduces this run's "
                   "numbers.")
