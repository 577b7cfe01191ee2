"""Recovery charts: the disrupted run against its undisrupted twin, over the run's calendar.

Parcels inside the network hour by hour and the on-time rate day by day, each as two lines
(this run, and the same run undisrupted), with the disruptions' periods shaded behind them:
a planner sees the backlog build while they hold and how long it takes to fall back to the
twin's. Dates on the x axis (sim/ui/time_charts.py). Random vehicle breakdowns are not
shaded: some vehicle is nearly always under repair, and the shading would cover the run.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import altair as alt
import pandas as pd

from sim.clock import when
from sim.i18n import N_, _
from sim.results.columns import disruption_rows
from sim.results.names import Names
from sim.results.resilience import Resilience
from sim.ui.time_charts import date_format

HERE, TWIN = N_("this run, disrupted"), N_("the same run undisrupted")
COLOURS = ("#c62828", "#616161")  # this run, the twin
SHADE = "#ef9a9a"
MOST_TICKS = 12  # dates on an axis


@dataclass(frozen=True)
class Recovery:
    """What the charts draw."""

    inside: pd.DataFrame  # time, series, parcels (at each hour's end)
    on_time: pd.DataFrame  # date (the day's noon), series, on_time
    periods: pd.DataFrame  # what, start, end: the disruptions, as shaded


def recovery(resilience: Resilience, names: Names, start: dt.date) -> Recovery:
    """The charts' frames: each series in long form, dates from the run's start."""
    hourly, daily = resilience.hourly, resilience.daily
    here, twin = _(HERE), _(TWIN)
    inside = pd.concat([
        pd.DataFrame({"time": when(start, hourly["hour"]), "series": series,
                      "parcels": hourly[column]})
        for series, column in ((here, "inside"), (twin, "inside_twin"))], ignore_index=True)
    on_time = pd.concat([
        pd.DataFrame({"date": when(start, 24.0 * daily["day"] + 12.0), "series": series,
                      "on_time": daily[column]})
        for series, column in ((here, "on_time"), (twin, "on_time_twin"))], ignore_index=True)
    return Recovery(inside, on_time.dropna(subset=["on_time"]),
                    periods(resilience.events, names, start))


def periods(events: pd.DataFrame, names: Names, start: dt.date) -> pd.DataFrame:
    """The disruptions' periods, named as the table of disruptions names them; random
    breakdowns left out."""
    shaded = events[~(events["random"] & (events["kind"] == "fleet"))]
    what = disruption_rows(shaded.assign(random=False), names, start)["what"]
    return pd.DataFrame({"what": what.to_numpy(), "start": when(start, shaded["start_h"]),
                         "end": when(start, shaded["end_h"])})


def _dates(times: pd.Series) -> alt.Axis:
    """The x axis: a tick a day (every few days over a long run), labelled by its date only,
    so no date is written twice."""
    days = max((times.max() - times.min()).days, 1)
    return alt.Axis(format=date_format(),
                    tickCount={"interval": "day", "step": -(-days // MOST_TICKS)})


def _shade(frame: pd.DataFrame, axis: alt.Axis) -> alt.Chart:
    """The disruptions' periods, full height, behind the lines (each one's own rect: where
    they overlap the shade is darker)."""
    return alt.Chart(frame).mark_rect(color=SHADE, opacity=0.18).encode(
        x=alt.X("start:T", title=_("Date"), axis=axis), x2="end:T",
        tooltip=[alt.Tooltip("what:N", title=_("Disruption")),
                 alt.Tooltip("start:T", title=_("From"), format="%Y-%m-%d %H:%M"),
                 alt.Tooltip("end:T", title=_("To"), format="%Y-%m-%d %H:%M")])


def _colour() -> alt.Color:
    return alt.Color("series:N", title=None, scale=alt.Scale(
        domain=[_(HERE), _(TWIN)], range=list(COLOURS)),
        legend=alt.Legend(orient="top", symbolType="stroke", symbolStrokeWidth=2.5))


def _dash() -> alt.StrokeDash:
    return alt.StrokeDash("series:N", legend=None, scale=alt.Scale(
        domain=[_(HERE), _(TWIN)], range=[[1, 0], [6, 3]]))


def inside_chart(data: Recovery) -> alt.LayerChart:
    """Parcels inside the network at each hour's end, disrupted and undisrupted, over the
    shaded disruptions."""
    return _against_twin(
        data.inside, data.periods, "time", "parcels", _("Parcels inside the network"),
        value_format=",.0f", time_format="%Y-%m-%d %H:%M", height=320,
        heading=_("Parcels inside the network, hour by hour (shaded: disruptions)"))


def on_time_chart(data: Recovery) -> alt.LayerChart:
    """Each day's parcels on time, disrupted and undisrupted, over the shaded disruptions."""
    return _against_twin(
        data.on_time, data.periods, "date", "on_time", _("On time (parcels made that day)"),
        value_format=".1%", time_format="%Y-%m-%d", height=260, points=True, zero=False,
        axis_format="%",
        heading=_("On time by the day parcels were made (shaded: disruptions)"))


def _against_twin(frame: pd.DataFrame, shaded: pd.DataFrame, time: str, value: str,
                  title: str, value_format: str, time_format: str, height: int, heading: str,
                  points: bool = False, zero: bool = True, axis_format: str | None = None
                  ) -> alt.LayerChart:
    """Two lines over the calendar (this run, the twin) over the shaded disruptions."""
    axis = _dates(frame[time])
    lines = alt.Chart(frame).mark_line(point=points, strokeWidth=2).encode(
        x=alt.X(f"{time}:T", title=_("Date"), axis=axis),
        y=alt.Y(f"{value}:Q", title=title, axis=alt.Axis(format=axis_format or value_format),
                scale=alt.Scale(zero=zero)),
        color=_colour(), strokeDash=_dash(),
        tooltip=[alt.Tooltip("series:N", title=_("Run")),
                 alt.Tooltip(f"{time}:T", title=_("Time") if time == "time" else _("Date"),
                             format=time_format),
                 alt.Tooltip(f"{value}:Q", title=title, format=value_format)])
    return alt.layer(_shade(shaded, axis), lines).properties(height=height, title=heading)
