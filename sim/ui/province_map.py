"""A province on a map: one point per county at its park, never its tens of thousands of
villages, with the city hubs and the trunk from the gateway to each.

A county's point is as large as its parcels a day (area in proportion, on a fixed scale) and
coloured by its on-time share on fixed bands in the network map's colours, so the same share
has the same colour in every run; its tooltip says, in words, the county, its city, its
parcels, its on-time share and its 95th percentile lead time. Drawn by pydeck without a
tile server, as the network map is.
"""

from __future__ import annotations

import html
import math
from typing import Any

import numpy as np
import pandas as pd
import pydeck as pdk

from sim.i18n import N_, _, number, percent
from sim.results.names import FLEETS, TIERS, kind
from sim.ui.maps import (
    AMBER,
    CJK_FONT,
    FLEET_COLOURS,
    GREEN,
    GREY,
    KIND_COLOURS,
    NOT_MEASURED,
    RED,
    TOOLTIP,
    CompactDeck,
    band_colours,
    boundary_layer,
    legend_row,
    swatch,
    view_state,
)
from sim.ui.province_runs import ProvinceRecord

# bands of the share of parcels late (1 - on time): the first whose edge it does not pass
LATE_BANDS = ((0.1, GREEN, N_("90% or more on time")),
              (0.3, AMBER, N_("70% to 90% on time")),
              (math.inf, RED, N_("under 70% on time")))
PARCELS_M = 50.0  # metres of radius per square root of parcels a day: 10 km across for 10,000
HUB_RADIUS_M = 2500
VIEW = (800, 580)  # pixels the counties are fitted into; the map is drawn HEIGHT high
HEIGHT = 620
LABEL_PX = 13  # county names, in pixels: a CJK character is about as wide as it is tall
RADIUS_MIN_PX = 3
EARTH_M = 40_075_017  # the equator in metres: deck.gl's world is 512 pixels of it at zoom 0


def county_points(record: ProvinceRecord) -> pd.DataFrame:
    """One row per county: where, how large, what colour, and its tooltip."""
    counties = record.counties
    late = 1 - counties["on_time_rate"].astype(float).to_numpy()
    return pd.DataFrame({
        "name": counties["name"], "lon": counties["lon"].round(5),
        "lat": counties["lat"].round(5),
        "radius": (PARCELS_M * np.sqrt(counties["per_day"].astype(float).clip(lower=0)))
        .fillna(0).round(),
        "colour": band_colours(late, LATE_BANDS),
        "tip": [county_tip(row) for row in counties.itertuples(index=False)]})


def county_tip(row: Any) -> str:
    """A county's tooltip: what, where, how many, how well."""
    lines = [row.name, _("City: {city}").format(city=row.city),
             _("Parcels in the measured days: {count} ({per_day} a day)").format(
                 count=number(row.parcels), per_day=number(row.per_day)),
             _("On time: {share}").format(share=percent(row.on_time_rate)),
             _("Lead time p95: {hours} h").format(hours=number(row.p95_h, 1))]
    if row.inside:
        lines.append(_("Still inside at the end of the run: {count}").format(
            count=number(row.inside)))
    return "\n".join(lines)


def hub_points(record: ProvinceRecord) -> pd.DataFrame:
    """The gateway and the city hubs, with their tooltips."""
    places = record.places
    counted = record.cities.set_index("hub")["counties"]
    return pd.DataFrame({
        "name": places["name"], "lon": places["lon"].round(5), "lat": places["lat"].round(5),
        "colour": [[*KIND_COLOURS[code], 255] for code in places["kind"]],
        "tip": ["\n".join([name, kind(TIERS, code)] + ([_("Counties served: {count}").format(
            count=number(counted.get(node, 0)))] if code == "hub" else []))
            for node, name, code in zip(places["id"], places["name"], places["kind"],
                                        strict=True)]})


def trunk_lines(record: ProvinceRecord) -> pd.DataFrame:
    """A straight line from the gateway to each city hub: each hub's own trunk loop."""
    places = record.places
    gateway = places[places["kind"] == "gateway"]
    if gateway.empty:
        return pd.DataFrame(columns=["path", "tip"])
    start = gateway.iloc[0]
    hubs = places[places["kind"] == "hub"]
    return pd.DataFrame({
        "path": [[[float(start["lon"]), float(start["lat"])], [float(lon), float(lat)]]
                 for lon, lat in zip(hubs["lon"], hubs["lat"], strict=True)],
        "tip": [f"{start['name']} → {name}\n{kind(FLEETS, 'trunk')}" for name in hubs["name"]]})


def deck(record: ProvinceRecord) -> pdk.Deck:
    """The map: county boundaries where the scenario has them, the trunk, the counties'
    points, the hubs, and the counties' names."""
    points = county_points(record)
    view = view_state(points.assign(kind="park"), *VIEW)
    layers = [boundary_layer(record.boundaries)] if record.boundaries.counties else []
    layers += [
        pdk.Layer("PathLayer", trunk_lines(record), id="trunk", get_path="path",
                  get_color=[*FLEET_COLOURS["trunk"], 150], get_width=2,
                  width_units='"pixels"', pickable=True),
        pdk.Layer("ScatterplotLayer", points, id="counties", get_position="[lon, lat]",
                  get_fill_color="colour", get_radius="radius", radius_min_pixels=RADIUS_MIN_PX,
                  stroked=True, get_line_color=[255, 255, 255, 230], line_width_min_pixels=1,
                  pickable=True),
        pdk.Layer("ScatterplotLayer", hub_points(record), id="hubs", get_position="[lon, lat]",
                  get_fill_color="colour", get_radius=HUB_RADIUS_M, radius_min_pixels=4,
                  stroked=True, get_line_color=[255, 255, 255, 230], line_width_min_pixels=1,
                  pickable=True),
        pdk.Layer("TextLayer", labels(points, view), id="county-names",
                  get_position="[lon, lat]", get_text="name", get_size=LABEL_PX,
                  get_color=[40, 40, 60, 255], character_set='"auto"',
                  font_family=f'"{CJK_FONT}"', get_text_anchor='"middle"',
                  get_alignment_baseline='"top"', get_pixel_offset="offset",
                  font_settings={"sdf": True}, outline_width=4,
                  outline_color=[255, 255, 255, 230], pickable=False)]
    return CompactDeck(layers=layers, initial_view_state=view, map_provider=None,
                       tooltip=TOOLTIP)


def labels(points: pd.DataFrame, view: pdk.ViewState) -> pd.DataFrame:
    """The counties named on the map as it opens, each below its circle: the larger first,
    each unless its name would overlap one already named (the others say who they are when
    hovered)."""
    scale = 512 * 2 ** view.zoom  # pixels of deck.gl's world at the map's zoom
    lat = np.radians(points["lat"].to_numpy(float))
    x = (points["lon"].to_numpy(float) + 180) / 360 * scale
    below = np.maximum(points["radius"].to_numpy(float) * scale / (EARTH_M * np.cos(lat)),
                       RADIUS_MIN_PX) + 2
    y = (1 - np.log(np.tan(lat) + 1 / np.cos(lat)) / math.pi) / 2 * scale + below
    half = points["name"].str.len().to_numpy() * LABEL_PX / 2 + 2
    kept = np.zeros(len(points), dtype=bool)
    for i in np.argsort(-points["radius"].to_numpy(float), kind="stable"):
        kept[i] = not (kept & (np.abs(x - x[i]) < half + half[i])
                       & (np.abs(y - y[i]) < LABEL_PX + 2)).any()
    return pd.DataFrame({"name": points["name"], "lon": points["lon"], "lat": points["lat"],
                         "offset": [[0, round(float(b))] for b in below]})[kept]


def legend() -> str:
    """The fixed scales the map draws with."""
    return "".join([
        legend_row(_("Counties by parcels on time"), [
            *(swatch(colour, _(label)) for _edge, colour, label in LATE_BANDS),
            swatch(GREY, _(NOT_MEASURED))]),
        legend_row(_("Places"), [swatch(KIND_COLOURS["gateway"], kind(TIERS, "gateway")),
                                 swatch(KIND_COLOURS["hub"], kind(TIERS, "hub")),
                                 swatch(FLEET_COLOURS["trunk"], kind(FLEETS, "trunk"), "line")]),
        legend_row(_("Size"), [html.escape(_(
            "a county's circle grows in area with its parcels a day: 10 km across for "
            "{count} parcels a day").format(count=number(10_000)))])])
