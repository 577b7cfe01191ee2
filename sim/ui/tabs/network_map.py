"""The map of a run: places on fixed colour scales, loops by fleet and load, and a day slider
replaying where parcels wait. Its options live in a fragment, so moving them redraws the
map alone, never the run."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

import streamlit as st

from sim.i18n import _, language
from sim.ui import disruption_map, maps
from sim.ui.fragments import fragment
from sim.ui.runs import RunRecord

TIPS_KEPT = 4  # runs whose tooltips are kept, in the languages they were shown in


def show(record: RunRecord) -> None:
    view(record)


def tips(record: RunRecord) -> maps.RunTips:
    """The run's tooltips in the language in force, made once per session, not at every
    move of the slider."""
    cache: dict = st.session_state.setdefault("map_tips", {})
    key = (record.label, record.made, language())
    if key not in cache:
        while len(cache) >= TIPS_KEPT:
            cache.pop(next(iter(cache)))
        cache[key] = maps.run_tips(record)
    return cache[key]


def first_day(record: RunRecord, days: list[int]) -> int:
    """The day the map opens on: the last day of demand, or for a disrupted run the day the
    disruptions kept the most parcels inside, where the map has most to show."""
    last = min(int(record.summary["run"]["days"]) - 1, days[-1])
    if record.resilience is None:
        return last
    worst = int(record.resilience.summary["peak_extra_backlog_h"] // 24)
    return min(max(worst, days[0]), last)


@fragment
def view(record: RunRecord) -> None:
    run = record.summary["run"]
    start = dt.date.fromisoformat(run["start_date"])
    days = list(record.map_days.backlog.columns)
    colour_by = st.radio(_("Colour places by"), list(maps.COLOUR_BY), horizontal=True,
                         format_func=lambda code: _(maps.COLOUR_BY[code]), key="map_colour")
    day = st.select_slider(_("Day: parcels waiting at its end, and loads carried"),
                           options=days, value=first_day(record, days),
                           format_func=lambda d: maps.day_label(start, d, run),
                           key=f"map_day:{len(days)}")
    parts = maps.run_parts(record, colour_by, day, tips(record))
    legend = maps.run_legend(colour_by, record.edges)
    if record.resilience is not None and record.struck is not None:
        parts = replace(parts, overlays=disruption_map.overlays(
            record.struck, record.resilience.events, record.nodes, record.names, start, day))
        legend += disruption_map.legend()
    st.pydeck_chart(maps.deck(parts))
    st.markdown(legend, unsafe_allow_html=True)
    maps.caption(record.boundaries)
    if record.intervals is not None:
        st.caption(_("With replications, the map shows the first replication."))
