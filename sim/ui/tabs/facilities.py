"""Facilities day by day, most pressed first, a chosen few hour by hour, and one route's
trips on a chosen day."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import streamlit as st

from sim.i18n import _, number
from sim.results.names import TIERS, Names, kind
from sim.results.views import busiest_day, day_trips
from sim.ui.fragments import fragment
from sim.ui.runs import RunRecord
from sim.ui.time_charts import (
    DAY_MEASURES,
    facility_heatmap,
    facility_label,
    facility_lines,
    trips_gantt,
)

FACILITY_KINDS = ["hub", "park", "station"]
SHOWN_AT_FIRST = 25  # heatmap rows before the planner asks for more
LINES_AT_FIRST = 3


def show(record: RunRecord) -> None:
    names = Names(record.node_names)
    facilities(record, names)
    route_trips(record, names)


def start_date(record: RunRecord) -> dt.date:
    return dt.date.fromisoformat(record.summary["run"]["start_date"])


def pressed_first(bottlenecks: pd.DataFrame, kind_: str, prefix: str,
                  found: list[str]) -> list[str]:
    """The resources found, in the bottleneck table's order (most pressed first), then any
    others it does not rank."""
    ranked = [r.removeprefix(prefix)
              for r in bottlenecks.loc[bottlenecks["kind"] == kind_, "resource"]]
    present = set(found)
    ordered = [r for r in ranked if r in present]
    return ordered + sorted(present - set(ordered))


def labels_of(frame: pd.DataFrame, names: Names) -> dict[str, str]:
    """Facility id -> its readable label, made unique (the id is added to a repeated one)."""
    first = frame.drop_duplicates("node")
    labels = {node: facility_label(names, node, kind_, county) for node, kind_, county in
              zip(first["node"], first["kind"], first["county"], strict=True)}
    counts = pd.Series(list(labels.values())).value_counts()
    return {node: f"{label} {node}" if counts[label] > 1 else label
            for node, label in labels.items()}


def window_sentence(record: RunRecord, start: dt.date) -> str:
    first, end = record.summary["run"]["measured_hours"]
    return _("The KPIs count the parcels made from {first} to {last}; the days before fill "
             "the network, the days after let it drain.").format(
        first=f"{start + dt.timedelta(hours=first):%Y-%m-%d}",
        last=f"{start + dt.timedelta(hours=end - 24):%Y-%m-%d}")


@fragment
def facilities(record: RunRecord, names: Names) -> None:
    """The heatmap and the lines; choosing what they show redraws only them."""
    st.subheader(_("Facilities day by day"))
    start = start_date(record)
    left, right = st.columns(2)
    measure = left.radio(_("Colour by"), list(DAY_MEASURES), horizontal=True,
                         format_func=lambda m: _(DAY_MEASURES[m][0]), key="facilities.measure")
    kinds = right.multiselect(_("Kinds of facility"), FACILITY_KINDS, FACILITY_KINDS,
                              format_func=lambda k: kind(TIERS, k))
    days = record.charts.facility_days
    days = days[days["kind"].isin(kinds)]
    if days.empty:
        st.info(_("Choose at least one kind of facility."))
        return
    ordered = pressed_first(record.bottlenecks, "sorting line", "sorting:",
                            days["node"].unique().tolist())
    shown = len(ordered)
    if shown > SHOWN_AT_FIRST:
        shown = st.slider(_("Facilities shown, most pressed first"), SHOWN_AT_FIRST,
                          len(ordered), SHOWN_AT_FIRST, step=5)
    ordered = ordered[:shown]
    labels = labels_of(days, names)
    days = days[days["node"].isin(ordered)].assign(facility=lambda d: d["node"].map(labels))
    st.altair_chart(facility_heatmap(days, measure, start, [labels[n] for n in ordered]),
                    width="stretch")
    st.caption(window_sentence(record, start))
    chosen = st.multiselect(_("Hour by hour"), ordered, ordered[:LINES_AT_FIRST],
                            format_func=labels.get)
    if chosen:
        hours = record.hours[record.hours["node"].isin(chosen)]
        st.altair_chart(facility_lines(hours.assign(facility=hours["node"].map(labels)),
                                       measure, start), width="stretch")


@fragment
def route_trips(record: RunRecord, names: Names) -> None:
    """One route's trips on one day; choosing the route or the day redraws only this."""
    st.subheader(_("A route's trips on one day"))
    trips = record.charts.trips
    if trips.empty:
        st.info(_("No vehicle came back to its base during the run."))
        return
    start = start_date(record)
    routes = pressed_first(record.bottlenecks, "vehicle route", "route:",
                           trips["route"].unique().tolist())
    left, right = st.columns(2)
    route = left.selectbox(_("Route (most pressed first)"), routes, format_func=names.route,
                           key="facilities.route")
    days = list(range(int(-(-record.summary["run"]["end_h"] // 24))))
    day = right.select_slider(
        _("Day"), days, value=busiest_day(trips, route) or 0,
        format_func=lambda d: f"{start + dt.timedelta(days=d):%Y-%m-%d}",
        key=f"facilities.day.{route}")
    chosen = day_trips(trips, route, day)
    if chosen.empty:
        st.info(_("No trip of this route left its base that day."))
        return
    date = start + dt.timedelta(days=day)
    title = _("{route}, {date}").format(route=names.route(route), date=f"{date:%Y-%m-%d}")
    st.altair_chart(trips_gantt(chosen, start, day, title), width="stretch")
    st.caption(_("{trips} trips by {vehicles} vehicles: {down} parcels loaded at the base, "
                 "{up} collected at the stops.").format(
        trips=number(len(chosen)), vehicles=number(chosen["vehicle"].nunique()),
        down=number(chosen["down_parcels"].sum()), up=number(chosen["up_parcels"].sum())))
