"""Charts and the map: altair for distributions and series, pydeck with no tile server."""

from __future__ import annotations

import altair as alt
import numpy as np
import pandas as pd
import pydeck as pdk

from sim.experiment.design import value_column

FLEET_COLOURS = {"trunk": [90, 90, 90], "line_haul": [120, 80, 160], "township": [30, 110, 200],
                 "village": [40, 160, 90], "courier": [230, 150, 30],
                 "reefer": [0, 170, 200], "freight truck": [150, 110, 60]}
KIND_RADIUS = {"gateway": 2500, "hub": 2500, "park": 1800, "station": 900, "point": 250}


def distribution(frame: pd.DataFrame, group: str, title: str) -> alt.Chart:
    """Share of parcels by lead-time bin, one line per group."""
    return alt.Chart(frame, title=title).mark_line(interpolate="step-after").encode(
        x=alt.X("lead_time_h:Q", title="lead time (h)"),
        y=alt.Y("share:Q", title="share of parcels", axis=alt.Axis(format="%")),
        color=alt.Color(f"{group}:N"),
        tooltip=[group, "lead_time_h", "parcels", alt.Tooltip("share:Q", format=".1%")],
    )


def series(hours: pd.DataFrame, column: str, title: str) -> alt.Chart:
    return alt.Chart(hours, title=title).mark_line().encode(
        x=alt.X("hour:Q", title="hour of the run"), y=alt.Y(f"{column}:Q", title=column),
        color="node:N", tooltip=["node", "hour", column])


def sweep_band(points: pd.DataFrame, lever: str, kpi: str) -> alt.LayerChart:
    """Mean of a KPI against a lever, with its 95% confidence band (points whose value is
    not a number are left out)."""
    column = value_column(lever)
    data = points[[column, f"{kpi}.mean", f"{kpi}.ci_low", f"{kpi}.ci_high"]].rename(
        columns={column: "lever", f"{kpi}.mean": "mean", f"{kpi}.ci_low": "low",
                 f"{kpi}.ci_high": "high"})
    data["lever"] = pd.to_numeric(data["lever"], errors="coerce")
    data = data.dropna(subset=["lever"]).sort_values("lever")
    base = alt.Chart(data).encode(x=alt.X("lever:Q", title=lever))
    band = base.mark_area(opacity=0.25).encode(y=alt.Y("low:Q", title=kpi), y2="high:Q")
    line = base.mark_line(point=True).encode(y="mean:Q", tooltip=["lever", "mean", "low", "high"])
    return band + line


def _colour(values: np.ndarray) -> list[list[int]]:
    """Green (low) to red (high) over the values' range; grey where unknown."""
    finite = values[np.isfinite(values)]
    low, high = (finite.min(), finite.max()) if len(finite) else (0.0, 1.0)
    span = high - low or 1.0
    colours = []
    for value in values:
        if not np.isfinite(value):
            colours.append([160, 160, 160, 160])
            continue
        x = (value - low) / span
        colours.append([int(40 + 215 * x), int(170 - 130 * x), 60, 220])
    return colours


def _text(values: pd.Series) -> pd.Series:
    return values.map(lambda v: "-" if pd.isna(v) else f"{v:g}")


def network_map(nodes: pd.DataFrame, edges: pd.DataFrame, colour_by: str) -> pdk.Deck:
    """Nodes coloured by `colour_by`, loop legs by fleet and width by parcels a day."""
    nodes = nodes.assign(colour=_colour(nodes[colour_by].to_numpy(dtype=float)),
                         radius=nodes["kind"].map(KIND_RADIUS),
                         lead=_text(nodes["mean_lead_h"].round(1)),
                         busy=_text((100 * nodes["utilisation"]).round(0)))
    nodes = nodes.drop(columns=["mean_lead_h", "utilisation"])  # NaN is not JSON
    edges = edges.assign(colour=edges["fleet"].map(FLEET_COLOURS),
                         width=np.clip(np.log10(edges["per_day"] + 1), 0.5, 5.0),
                         load=edges["per_day"].round(1).astype(str) + " " + edges["unit"]
                         + " a day")
    layers = [
        pdk.Layer("LineLayer", edges, get_source_position="[from_lon, from_lat]",
                  get_target_position="[to_lon, to_lat]", get_color="colour",
                  get_width="width", width_units='"pixels"', pickable=True),
        pdk.Layer("ScatterplotLayer", nodes, get_position="[lon, lat]", get_fill_color="colour",
                  get_radius="radius", radius_min_pixels=2, pickable=True),
    ]
    view = pdk.ViewState(longitude=float(nodes["lon"].median()),
                         latitude=float(nodes["lat"].median()), zoom=8.3)
    tooltip = {"html": "<b>{name}</b> {id}<br/>{kind}, {county}<br/>mean lead time {lead} h"
                       "<br/>busy {busy}%<br/>{route} {load}"}
    return pdk.Deck(layers=layers, initial_view_state=view, map_provider=None,
                    tooltip=tooltip)
