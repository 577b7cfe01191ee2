"""The result tabs, one module each."""

from __future__ import annotations

import streamlit as st

from sim.scenario import LoadedScenario
from sim.ui.runs import RunRecord
from sim.ui.tabs import (
    bottlenecks,
    cold_chain,
    compare,
    downloads,
    facilities,
    lead_times,
    network_map,
    sweep,
)


def results_tabs(record: RunRecord, scenario: LoadedScenario, key: str) -> None:
    names = ["Lead times", "Map", "Facilities", "Bottlenecks", "Sweep", "Compare", "Downloads"]
    if "cold_chain" in record.summary:
        names.append("Cold chain")
    tabs = st.tabs(names)
    if "cold_chain" in record.summary:
        with tabs[7]:
            cold_chain.show(record.summary["cold_chain"])
    with tabs[0]:
        lead_times.show(record)
    with tabs[1]:
        network_map.show(record)
    with tabs[2]:
        facilities.show(record)
    with tabs[3]:
        bottlenecks.show(record)
    with tabs[4]:
        sweep.show(record, scenario, key)
    with tabs[5]:
        compare.show(record)
    with tabs[6]:
        downloads.show(record)
