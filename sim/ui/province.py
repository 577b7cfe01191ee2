"""The province view: a network of several cities that run apart, as a whole and city by
city, in place of the single network's tabs.

Its cities run apart on the server's cores with a progress bar counting them; then the
answers and the cards for the whole province, the counties on a map (one point each, never
the villages), and tables of the cities and the counties. A city chosen in the sidebar runs
alone, as any scenario does, with its villages on the map and every tab (`app.py`).
"""

from __future__ import annotations

from collections.abc import Sequence

import streamlit as st
from streamlit.delta_generator import DeltaGenerator

from sim.errors import UserError
from sim.i18n import N_, _, number
from sim.results.columns import Column
from sim.scenario import LoadedScenario
from sim.ui import answers, province_answers, province_map, tables
from sim.ui.cards import kpi_cards
from sim.ui.levers import in_words
from sim.ui.province_runs import ProvinceRecord
from sim.ui.session import cached_province, first_province, kept_province

SHOWN = "last_province"  # the province run the page shows, in the session

CITIES = (
    Column("name", N_("city (its distribution centre)"), "text"),
    Column("counties", N_("counties"), "count"),
    Column("parcels", N_("parcels in the measured days"), "count"),
    Column("on_time_rate", N_("on time (%)"), "share", 1),
    Column("p95_h", N_("lead time p95 (h)"), "number", 1),
    Column("cost_per_parcel", N_("cost per delivered parcel (CNY)"), "number", 2),
)
COUNTIES = (
    Column("name", N_("county"), "text"),
    Column("city", N_("city (its distribution centre)"), "text"),
    Column("parcels", N_("parcels in the measured days"), "count"),
    Column("per_day", N_("parcels a day (measured days)"), "number"),
    Column("on_time_rate", N_("on time (%)"), "share", 1),
    Column("p95_h", N_("lead time p95 (h)"), "number", 1),
)


def show(place: DeltaGenerator, scenario: LoadedScenario, key: str, label: str,
         overrides: Sequence[str], reps: int, run: bool, cities: int) -> None:
    """The province's run with the levers (run when asked, or when the scenario opens), drawn
    in `place`."""
    shown: ProvinceRecord | None = st.session_state.get(SHOWN)
    opening = shown is None or shown.scenario_key != key
    if (run or opening) and not execute(place, scenario, key, label, overrides, cities):
        return
    record: ProvinceRecord = st.session_state[SHOWN]
    baseline = first_province(key)
    baseline = None if baseline is record else baseline
    with place.container():
        st.caption(_("{scenario}: {changes}").format(
            scenario=record.summary["scenario"],
            changes=in_words(record.overrides) or _("as written")))
        answers.box(province_answers.statements(record))
        kpi_cards(record, baseline)
        if baseline is not None:
            st.caption(_("Changes against the first run of this scenario in the session "
                         "(made {made}).").format(made=baseline.made.strftime("%m-%d %H:%M")))
        st.caption(limits_note(record, scenario))
        if reps > 1:
            st.caption(_("The province runs each city once; replications apply to a city run "
                         "alone."))
        st.subheader(_("Counties on the map"))
        st.pydeck_chart(province_map.deck(record), height=province_map.HEIGHT)
        st.markdown(province_map.legend(), unsafe_allow_html=True)
        if record.boundaries.problem:
            st.warning(record.boundaries.message())
        st.caption(_("One point per county, at its county logistics park. Choose a city under "
                     "\"City\" in the sidebar to run it alone: its townships and villages on "
                     "the map, and every tab."))
        st.subheader(_("Cities"))
        tables.table(record.cities, CITIES)
        st.subheader(_("Counties"))
        tables.table(record.counties, COUNTIES)


def execute(place: DeltaGenerator, scenario: LoadedScenario, key: str, label: str,
            overrides: Sequence[str], cities: int) -> bool:
    """Run the province's cities apart, a progress bar counting them in `place`; whether a
    record came of it."""
    overrides = tuple(overrides)
    if kept_province(key, overrides) is None:
        with place.container(key="province-landing"):
            st.info(_("Simulating {scenario}: its {count} cities run apart, on the server's "
                      "cores.").format(scenario=scenario.config.name or label,
                                       count=number(cities)))
            bar = st.progress(0.0, _("Cities simulated: {done} of {total}").format(
                done=number(0), total=number(cities)))
            try:
                cached_province(scenario, key, label, overrides, lambda done, total: bar.progress(
                    done / total, _("Cities simulated: {done} of {total}").format(
                        done=number(done), total=number(total))))
            except UserError as error:
                bar.empty()
                st.error(error.message)
                if scenario.files.limits.prefix in error.message:
                    st.info(over_limits(scenario))
                return False
    st.session_state[SHOWN] = kept_province(key, overrides)
    return True


def limits_note(record: ProvinceRecord, scenario: LoadedScenario) -> str:
    """What bounds a province's run in the app: each city within the server's ceiling."""
    city, parcels = record.largest
    return _("Each city runs in a process of its own, within the server's ceiling of {limit} "
             "parcels a city: the largest, {city}, expects about {parcels} in this run.").format(
        limit=number(scenario.files.limits.parcels), city=answers.escaped(city),
        parcels=number(parcels))


def over_limits(scenario: LoadedScenario) -> str:
    """Why a lever was refused for a province, in the page's language."""
    limits = scenario.files.limits
    return _("In the app, each city of a province must stay within the server's ceilings: "
             "at most {parcels} parcels and {days} days a city. Lower the days or the "
             "volume.").format(parcels=number(limits.parcels), days=number(limits.days))
