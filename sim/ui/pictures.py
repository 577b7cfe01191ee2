"""Charts several tabs share: runs' lead-time distributions side by side (altair) and a
sweep's band."""

from __future__ import annotations

import altair as alt
import pandas as pd

from sim.experiment.design import value_column
from sim.i18n import _


def distribution(frame: pd.DataFrame, group: str, title: str) -> alt.Chart:
    """Share of parcels by lead-time bin (a `lead_histogram`), one line per group."""
    shares = _("Share of parcels")
    return alt.Chart(frame, title=title).mark_line(interpolate="step-after").encode(
        x=alt.X("lead_time_h:Q", title=_("Lead time (h)")),
        y=alt.Y("share:Q", title=shares, axis=alt.Axis(format="%")),
        color=alt.Color(f"{group}:N", title=None),
        tooltip=[alt.Tooltip(f"{group}:N", title=_("Group")),
                 alt.Tooltip("lead_time_h:Q", title=_("Lead time (h)"), format=",.0f"),
                 alt.Tooltip("parcels:Q", title=_("Parcels"), format=",.0f"),
                 alt.Tooltip("share:Q", title=shares, format=".1%")],
    )


def sweep_band(points: pd.DataFrame, lever: str, kpi: str, lever_label: str | None = None,
               kpi_label: str | None = None) -> alt.LayerChart:
    """Mean of a KPI against a lever's values, with its 95% confidence interval: a band
    over numeric values, a bar per value otherwise (operating modes). The axes are titled
    by the labels given (readable, translated names), else by the keys."""
    column = value_column(lever)
    data = points[[column, f"{kpi}.mean", f"{kpi}.ci_low", f"{kpi}.ci_high"]].rename(
        columns={column: "lever", f"{kpi}.mean": "mean", f"{kpi}.ci_low": "low",
                 f"{kpi}.ci_high": "high"})
    numeric = pd.to_numeric(data["lever"], errors="coerce")
    share = kpi.endswith("rate") or kpi.endswith("share")
    values = ".1%" if share else ",.2f"
    kpi_title = kpi_label or kpi
    continuous = bool(numeric.notna().all())
    if continuous:
        x = alt.X("lever:Q", title=lever_label or lever)
        data = data.assign(lever=numeric).sort_values("lever")
    else:
        x = alt.X("lever:N", title=lever_label or lever, sort=None,
                  axis=alt.Axis(labelAngle=0))
        data = data.assign(lever=data["lever"].astype(str))
    tips = [alt.Tooltip("lever", title=lever_label or lever),
            alt.Tooltip("mean:Q", title=kpi_title, format=values),
            alt.Tooltip("low:Q", title=_("95% interval, low"), format=values),
            alt.Tooltip("high:Q", title=_("95% interval, high"), format=values)]
    base = alt.Chart(data).encode(x=x)
    y = alt.Y("low:Q", title=kpi_title, axis=alt.Axis(format="%" if share else ",.4~g"),
              scale=alt.Scale(zero=False))
    interval = (base.mark_area(opacity=0.25) if continuous
                else base.mark_rule(size=3, opacity=0.5)).encode(y=y, y2="high:Q",
                                                                  tooltip=tips)
    line = (base.mark_line(point=True) if continuous
            else base.mark_point(filled=True, size=80)).encode(y="mean:Q", tooltip=tips)
    return interval + line


def frontier_chart(frame: pd.DataFrame, target_title: str) -> alt.LayerChart:
    """A plan's cost a day against the value of its frontier's target (`plan_frontier_rows`):
    the price of each step of tightness; values no plan meets are left out."""
    data = frame.dropna(subset=["cost_per_day"])
    cost = _("Cost a day (CNY)")
    base = alt.Chart(data).encode(
        x=alt.X("value:Q", title=target_title, scale=alt.Scale(zero=False)),
        y=alt.Y("cost_per_day:Q", title=cost, scale=alt.Scale(zero=False),
                axis=alt.Axis(format=",.0f")),
        tooltip=[alt.Tooltip("target:N", title=_("Target")),
                 alt.Tooltip("cost_per_day:Q", title=cost, format=",.0f")])
    return base.mark_line(interpolate="step-after") + base.mark_point(filled=True, size=70)
