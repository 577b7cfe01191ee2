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
    disruptions,
    downloads,
    facilities,
    lead_times,
    network_map,
    plan,
    sweep,
)


def results_tabs(record: RunRecord, scenario: LoadedScenario, key: str) -> None:
    """The map first: it is what the landing picture becomes, and the browser sets up its
    WebGL while the planner reads the cards, not at the first click on it."""
    shown = [(N_("Map"), lambda: network_map.show(record)),
             *([(N_("Disruptions and recovery"), lambda: disruptions.show(record))]
               if record.resilience is not None else []),
             (N_("Lead times"), lambda: lead_times.show(record)),
             (N_("Facilities"), lambda: facilities.show(record)),
             (N_("Bottlenecks"), lambda: bottlenecks.show(record)),
             (N_("Sweep"), lambda: sweep.show(record, scenario, key)),
             (N_("Plan"), lambda: plan.show(record, scenario, key)),
             (N_("Compare"), lambda: compare.show(record)),
             (N_("Downloads"), lambda: downloads.show(record))]
    if "cold_chain" in record.summary:
        shown.append((N_("Cold chain"), lambda: cold_chain.show(record)))
    for tab, (_name, draw) in zip(st.tabs([_(name) for name, _draw in shown]), shown,
                                  strict=True):
        with tab:
            draw()
