"""Streamlit front end: pick or upload a scenario, pull the levers, run, compare.

A thin page over `sim.api` (through `sim.ui`), the same calls the CLI makes; it holds no
model logic. Start it with `streamlit run app.py` or `sim app`.
"""

from __future__ import annotations

import streamlit as st

from sim.errors import UserError
from sim.i18n import APP_DEFAULT, NAMES, _, set_language
from sim.ui.cards import cards
from sim.ui.runs import RunRecord
from sim.ui.session import cached_run, loaded
from sim.ui.sidebar import choose_scenario, sidebar
from sim.ui.tabs import results_tabs


def choose_language() -> None:
    """简体中文 by default, English on a switch; the rest of the page speaks it."""
    codes = list(NAMES)  # a link may choose it: ?lang=en
    asked = st.query_params.get("lang", APP_DEFAULT)
    code = st.sidebar.radio("语言 / Language", codes, format_func=NAMES.get, horizontal=True,
                            index=codes.index(asked) if asked in codes else 0, key="language")
    set_language(code)


def main() -> None:
    st.set_page_config(page_title="县域快递物流网络仿真 / County express network simulator",
                       layout="wide")
    choose_language()
    st.title(_("County express network simulator"))
    with st.sidebar:
        chosen = choose_scenario()
        if chosen is None:
            return
        files, label, key = chosen
        try:
            scenario = loaded(files, label, key)
        except UserError as error:
            st.error(error.message)
            return
        # the Run button stays at the top, above the levers
        run = st.button(_("Run"), type="primary", key="run", width="stretch")
        overrides, reps = sidebar(scenario, label)
    if run or "last" not in st.session_state:  # the page opens on a run of the default
        bar = st.progress(0.0, _("Simulating..."))
        try:
            record = cached_run(scenario, key, label, tuple(overrides), reps,
                                lambda share: bar.progress(min(share, 1.0)))
        except UserError as error:
            bar.empty()
            st.error(error.message)
            return
        bar.empty()
        st.session_state["last"] = record
    record: RunRecord = st.session_state["last"]
    pinned: dict[str, RunRecord] = st.session_state.setdefault("pinned", {})
    with st.sidebar:
        name = st.text_input("Pin this run as", f"run {len(pinned) + 1}")
        if st.button("Pin"):
            pinned[name] = record
        baseline_name = st.selectbox("Deltas against", ["(none)", *pinned])
    baseline = pinned.get(baseline_name)
    st.caption(f"{record.label}: {' '.join(record.overrides) or 'as written'}")
    cards(record, baseline)
    if record.intervals is not None:
        st.caption("Means over replications; the Downloads tab has every KPI's interval.")
    results_tabs(record, scenario, key)


main()
