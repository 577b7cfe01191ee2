"""The map of the network, drawn without any tile server."""

from __future__ import annotations

import streamlit as st

from sim.ui.pictures import network_map
from sim.ui.runs import RunRecord


def show(record: RunRecord) -> None:
    colour_by = st.radio("Colour nodes by", ["mean_lead_h", "utilisation"], horizontal=True)
    st.pydeck_chart(network_map(record.nodes, record.edges, colour_by))
    st.caption("Nodes: green to red over the range shown; grey where nothing was measured. "
               "Lines: vehicle loops by fleet, wider where they carry more; with goods, also "
               "the hubs and their reefer and truck runs.")
