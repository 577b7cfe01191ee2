"""The result tabs, one module each."""

from __future__ import annotations

import streamlit as st

from sim.i18n import N_, _
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
    names = [N_("Lead times"), N_("Map"), N_("Facilities"), N_("Bottlenecks"), N_("Sweep"),
             N_("Compare"), N_("Downloads")]
    if "cold_chain" in record.summary:
        names.append(N_("Cold chain"))
    tabs = st.tabs([_(name) for name in names])
    if "cold_chain" in record.summary:
        with tabs[7]:
            cold_chain.show(record)
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
