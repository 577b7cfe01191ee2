"""The page while a scenario's run is worked out: its network, drawn as a picture.

A plain drawing (SVG) rather than the interactive map: the browser shows it at once and
keeps its time for the results that follow, instead of building a WebGL map of thousands of
places that the results replace a few seconds later. The interactive map is the Map tab's.
"""

from __future__ import annotations

import streamlit as st

from sim.i18n import _
from sim.network import Network
from sim.scenario import LoadedScenario
from sim.ui import maps
from sim.ui.drawings import plain_map

PICTURE_WIDTH = 900  # pixels: the whole network in view above the fold


def show_network(scenario: LoadedScenario, network: Network, label: str) -> None:
    """The network a run is about to use: places by kind, loops by fleet, county
    boundaries and names, with the legend of the Map tab's colours."""
    places, loops, boundaries = maps.network_tables(scenario, network)
    title = _("The network of {scenario}").format(scenario=label)
    st.image(str(plain_map(places, loops, boundaries, title)), width=PICTURE_WIDTH, alt=title)
    st.markdown(maps.network_legend(places, loops), unsafe_allow_html=True)
    maps.caption(boundaries)
