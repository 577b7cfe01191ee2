"""Streamlit front end: pick or upload a scenario, pull the levers, run, compare.

A thin page over `sim.api` (through `sim.ui`), the same calls the CLI makes; it holds no
model logic. Start it with `streamlit run app.py` or `sim app`.
"""

from __future__ import annotations

import streamlit as st
from streamlit.delta_generator import DeltaGenerator

from sim.errors import UserError
from sim.i18n import APP_DEFAULT, NAMES, _, set_language
from sim.network import build_network
from sim.scenario import LoadedScenario, with_overrides
from sim.ui import answers, province
from sim.ui.cards import cards
from sim.ui.fragments import LANGUAGE_KEY
from sim.ui.landing import show_network
from sim.ui.levers import in_words
from sim.ui.pins import pin_controls
from sim.ui.runs import RunRecord
from sim.ui.session import cached_run, kept_run, loaded, loaded_city, scenario_cities
from sim.ui.sidebar import choose_city, choose_scenario, sidebar
from sim.ui.tabs import results_tabs


def choose_language() -> None:
    """简体中文 by default, English on a switch; the rest of the page speaks it."""
    codes = list(NAMES)  # a link may choose it: ?lang=en
    asked = st.query_params.get("lang", APP_DEFAULT)
    code = st.sidebar.radio("语言 / Language", codes, format_func=NAMES.get, horizontal=True,
                            index=codes.index(asked) if asked in codes else 0, key=LANGUAGE_KEY)
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
            cities = scenario_cities(scenario, key)
            city = choose_city(cities, label) if cities else None
        except UserError as error:
            st.error(error.message)
            return
        # the Run button stays at the top, above the levers
        run = st.button(_("Run"), type="primary", key="run", width="stretch")
        overrides, reps = sidebar(scenario, label)
    # One place for the network while a run goes on and for its results after: the page
    # keeps one shape, so no leftover placeholder shifts the blocks below it (Streamlit
    # knows an unkeyed block by its position, and would rebuild every tab, the map's WebGL
    # included, at the first move of a slider)
    place = st.empty()
    if cities and city is None:  # a province: its cities run apart, seen as a whole
        province.show(place, scenario, key, label, overrides, reps, run, len(cities))
        return
    if city is not None:  # one city of it, run alone like any scenario
        try:
            scenario, key = loaded_city(scenario, key, city)
        except UserError as error:
            place.error(error.message)
            return
    last: RunRecord | None = st.session_state.get("last")
    opening = last is None or last.scenario_key != key  # a scenario opens on a run
    if (run or opening) and not execute(place, scenario, key, label, overrides, reps):
        return
    record: RunRecord = st.session_state["last"]
    with st.sidebar:
        baseline = pin_controls(record)
    with place.container():
        st.caption(_("{scenario}: {changes}").format(
            scenario=record.summary["scenario"],
            changes=in_words(record.overrides) or _("as written")))
        answers.show(record, baseline)
        cards(record, baseline)
        if record.intervals is not None:
            st.caption(_("Means over replications; the Downloads tab has every KPI's "
                         "interval."))
        results_tabs(record, scenario, key)


def execute(place: DeltaGenerator, scenario: LoadedScenario, key: str, label: str,
            overrides: list[str], reps: int) -> bool:
    """Run the scenario with the levers, showing its network in `place` while it runs
    (the results take its place after); whether a record came of it."""
    if kept_run(key, tuple(overrides), reps) is None:
        try:  # built once: drawn while the run uses it
            levered = with_overrides(scenario, overrides)
            network = build_network(levered)
        except UserError as error:
            place.error(error.message)
            return False
        with place.container(key="landing"):
            name = levered.config.name or label
            st.info(_("Simulating {scenario}: its network, while the first results are "
                      "worked out.").format(scenario=name))
            show_network(levered, network, name)
            bar = st.progress(0.0, _("Simulating..."))
            try:
                cached_run(scenario, key, label, tuple(overrides), reps,
                           lambda share: bar.progress(min(share, 1.0)), network)
            except UserError as error:
                bar.empty()
                st.error(error.message)
                return False
    st.session_state["last"] = kept_run(key, tuple(overrides), reps)
    return True


main()
