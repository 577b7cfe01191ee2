"""Compare: pinned runs side by side."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from sim.ui.pictures import distribution
from sim.ui.runs import RunRecord, headline


def show(record: RunRecord) -> None:
    pinned: dict[str, RunRecord] = st.session_state.setdefault("pinned", {})
    runs = {"this run": record, **pinned}
    if len(runs) < 2:
        st.info("Pin runs (sidebar) to compare them here.")
        return
    names = list(runs)
    left = st.selectbox("Run A", names, index=0)
    right = st.selectbox("Run B", names, index=1)
    a, b = runs[left], runs[right]
    table = headline(a).merge(headline(b), on="kpi", suffixes=(" A", " B"))
    table.columns = ["kpi", left + " (A)", right + " (B)"]
    table["B - A"] = table.iloc[:, 2] - table.iloc[:, 1]
    st.dataframe(table, hide_index=True, width="stretch")
    both = pd.concat([a.by_tier.assign(run=left), b.by_tier.assign(run=right)])
    both["series"] = both["run"] + ": " + both["tier"]
    st.altair_chart(distribution(both, "series", "Lead times, A and B"),
                    width="stretch")
