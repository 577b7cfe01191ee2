"""Bottlenecks: every resource by name, most pressed first; a choice of which kind to see
redraws only this tab."""

from __future__ import annotations

import streamlit as st

from sim.i18n import N_, _
from sim.results.columns import BOTTLENECKS, bottleneck_rows
from sim.results.names import RESOURCES
from sim.ui.fragments import fragment
from sim.ui.runs import RunRecord
from sim.ui.tables import table

ROWS = 50
EVERY_KIND = N_("every resource")


def show(record: RunRecord) -> None:
    choose_and_show(record)


@fragment
def choose_and_show(record: RunRecord) -> None:
    frame = record.bottlenecks
    kinds = [EVERY_KIND, *(k for k in RESOURCES if (frame["kind"] == k).any())]
    chosen = st.radio(_("Show"), kinds, format_func=lambda k: _(RESOURCES.get(k, k)),
                      horizontal=True, key="bottlenecks:kind")
    if chosen != EVERY_KIND:
        frame = frame[frame["kind"] == chosen]
    table(bottleneck_rows(frame.head(ROWS), record.names), BOTTLENECKS)
    st.caption(_(
        "The {rows} most pressed of {count}, those whose backlog keeps growing first, then by"
        " use. Use: for a sorting line, the parcels it sorted over what it can sort in its"
        " shifts; for a vehicle route, the larger of the time its vehicles are out and how"
        " full they leave; for a village shelf, its fullest over its slots. Backlog: parcels"
        " waiting for it at an hour's end (for a shelf, the most parcels on it, and at the end"
        " those waiting at its station). The Downloads tab has every row.").format(
        rows=min(ROWS, len(frame)), count=len(frame)))
