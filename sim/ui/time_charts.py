"""Charts over the run's calendar: facilities by day, a chosen few hour by hour, and one
route's trips on one day.

Time is shown as dates (the scenario's `run.start_date` plus the run's hours), never as
"hour of the run". Many facilities are a heatmap (facility x day), most pressed first,
rather than a tangle of lines; lines are for a chosen few.
"""

from __future__ import annotations

import datetime as dt

import altair as alt
import pandas as pd

from sim.clock import when
from sim.i18n import N_, _
from sim.results.names import Names

# facility_days' measures -> (their name, the facility_hours column drawn hour by hour)
DAY_MEASURES = {
    "busy_share": (N_("Sorting lines' busy share"), "busy_fraction"),
    "parcels_mean": (N_("Parcels in the facility (mean)"), "backlog"),
    "parcels_peak": (N_("Parcels in the facility (most at an hour's end)"), "backlog_end"),
}


def date_format() -> str:
    """A day as Vega-Lite writes it in the language in force (d3 time format)."""
    return _("%b %-d")


def facility_label(names: Names, node: str, kind: str, county: str) -> str:
    """A facility by its place; a township station with its county, as township names
    repeat from county to county."""
    if kind == "station" and county:
        return _("{place} ({county})").format(place=names.node(node), county=county)
    return names.node(node)


def _day_tooltips(value_title: str, value_format: str) -> list[alt.Tooltip]:
    return [alt.Tooltip("facility:N", title=_("Facility")),
            alt.Tooltip("date:T", title=_("Date"), format="%Y-%m-%d"),
            alt.Tooltip("value:Q", title=value_title, format=value_format),
            alt.Tooltip("arrived:Q", title=_("Parcels arrived"), format=",.0f"),
            alt.Tooltip("sorted:Q", title=_("Parcels sorted"), format=",.0f")]


def facility_heatmap(days: pd.DataFrame, measure: str, start: dt.date,
                     order: list[str]) -> alt.Chart:
    """Facility x day, coloured by one of `DAY_MEASURES`; `days` has a `facility` label
    column and `order` lists the labels from the top (most pressed first)."""
    title = _(DAY_MEASURES[measure][0])
    share = measure == "busy_share"
    frame = pd.DataFrame({"facility": days["facility"], "date": when(start, 24.0 * days["day"]),
                          "value": days[measure], "arrived": days["arrived"],
                          "sorted": days["sorted"]})
    colour = alt.Color("value:Q", title=title, scale=alt.Scale(
        domain=[0, 1], clamp=True, scheme="yelloworangered") if share else alt.Scale(
        type="sqrt", scheme="blues"), legend=alt.Legend(format="%" if share else ",.0f"))
    return alt.Chart(frame, title=title).mark_rect().encode(
        x=alt.X("yearmonthdate(date):O", title=_("Date"),
                axis=alt.Axis(format=date_format(), formatType="time", labelAngle=-45)),
        y=alt.Y("facility:N", title=None, sort=order, axis=alt.Axis(labelLimit=320)),
        color=colour, tooltip=_day_tooltips(title, ".1%" if share else ",.0f"),
    ).properties(height=alt.Step(14))


def facility_lines(hours: pd.DataFrame, measure: str, start: dt.date) -> alt.Chart:
    """The chosen facilities hour by hour (`hours`: facility_hours rows with a `facility`
    label column), the measure's hourly counterpart."""
    title, column = _(DAY_MEASURES[measure][0]), DAY_MEASURES[measure][1]
    share = measure == "busy_share"
    frame = pd.DataFrame({"facility": hours["facility"], "time": when(start, hours["hour"]),
                          "value": hours[column]})
    return alt.Chart(frame, title=_("Hour by hour")).mark_line().encode(
        x=alt.X("time:T", title=_("Date"), axis=alt.Axis(format=date_format())),
        y=alt.Y("value:Q", title=title, axis=alt.Axis(format="%" if share else ",.0f")),
        color=alt.Color("facility:N", title=_("Facility")),
        tooltip=[alt.Tooltip("facility:N", title=_("Facility")),
                 alt.Tooltip("time:T", title=_("Time"), format="%Y-%m-%d %H:%M"),
                 alt.Tooltip("value:Q", title=title, format=".1%" if share else ",.0f")],
    )


def _moment(moment: pd.Timestamp) -> alt.DateTime:
    return alt.DateTime(year=moment.year, month=moment.month, date=moment.day,
                        hours=moment.hour, minutes=moment.minute)


def trips_gantt(trips: pd.DataFrame, start: dt.date, day: int, title: str) -> alt.Chart:
    """One route's trips (`day_trips` of `day`): a row per vehicle, a bar per trip from
    leaving the base to coming back, its load in the tooltip, over the whole day (and on
    into the next while a trip is out)."""
    frame = pd.DataFrame({
        "vehicle": [_("Vehicle {number}").format(number=v + 1) for v in trips["vehicle"]],
        "order": trips["vehicle"], "depart": when(start, trips["depart_h"]),
        "back": when(start, trips["return_h"]), "down": trips["down_parcels"],
        "up": trips["up_parcels"], "peak": trips["peak_load"], "km": trips["km"]})
    vehicles = list(dict.fromkeys(frame.sort_values("order")["vehicle"]))
    midnight = pd.Timestamp(start) + pd.Timedelta(days=day)
    end = max(midnight + pd.Timedelta(days=1), frame["back"].max().ceil("h"))
    return alt.Chart(frame, title=title).mark_bar(cornerRadius=3).encode(
        x=alt.X("depart:T", title=_("Time of day"), axis=alt.Axis(format="%H:%M"),
                scale=alt.Scale(domain=[_moment(midnight), _moment(end)])),
        x2="back:T",
        y=alt.Y("vehicle:N", title=None, sort=vehicles),
        color=alt.Color("peak:Q", title=_("Most parcels on board"),
                        scale=alt.Scale(scheme="oranges")),
        tooltip=[alt.Tooltip("vehicle:N", title=_("Vehicle")),
                 alt.Tooltip("depart:T", title=_("Leaves the base"), format="%H:%M"),
                 alt.Tooltip("back:T", title=_("Back at the base"), format="%m-%d %H:%M"),
                 alt.Tooltip("down:Q", title=_("Parcels loaded at the base"), format=",.0f"),
                 alt.Tooltip("up:Q", title=_("Parcels collected at the stops"),
                             format=",.0f"),
                 alt.Tooltip("peak:Q", title=_("Most parcels on board"), format=",.0f"),
                 alt.Tooltip("km:Q", title=_("Loop length (km)"), format=",.1f")],
    ).properties(height=alt.Step(28))
