"""Bottlenecks: every resource, most pressed first."""

from __future__ import annotations

import streamlit as st

from sim.ui.runs import RunRecord


def show(record: RunRecord) -> None:
    st.dataframe(record.bottlenecks.head(50), hide_index=True, width="stretch")
