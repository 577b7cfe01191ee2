"""Lead times: distributions by where residents live and by county."""

from __future__ import annotations

import streamlit as st

from sim.ui.pictures import distribution
from sim.ui.runs import RunRecord


def show(record: RunRecord) -> None:
    st.altair_chart(distribution(record.by_tier, "tier", "By where the resident lives"),
                    width="stretch")
    st.altair_chart(distribution(record.by_county, "county", "By county"),
                    width="stretch")
