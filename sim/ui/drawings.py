"""Static SVG pictures: the network map (for the printed report, and for the page while its
first run is worked out) and two charts.

A report is read on paper and opened offline, so its pictures are plain SVG drawn here from
a run's tables: no scripts, no tiles, nothing fetched. Colours are on fixed scales (lead
time against the target, shares from 0 to 100%), so a collapse looks like one. Every text
taken from a scenario is escaped: an uploaded scenario is a stranger's.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from markupsafe import Markup, escape

from sim.i18n import _, number, percent
from sim.results.names import RESIDENTS, kind
from sim.ui.export import display_width
from sim.ui.maps import (
    COLOUR_BY,
    FLEET_COLOURS,
    GREY,
    KIND_COLOURS,
    LEAD_BANDS,
    NOT_MEASURED,
    Boundaries,
    banded,
    county_names,
    lead_ratio,
)

FONT = '"Noto Sans CJK SC", "Source Han Sans SC", "Microsoft YaHei", "PingFang SC", sans-serif'
INK, FAINT, TARGET = "#222", "#999", "#c0392b"
LOOP_FLEETS = ("township", "village", "bus_township", "bus_village")
PLACES = ("park", "station", "point")
HUBS = ("hub", "goods_hub")
LABELLED_STATIONS = 40  # stations are named on the map up to this many
LABELLED_HUBS = 2  # hubs likewise (goods hubs crowd the city's centre)
MAP_WIDTH, MAP_HEIGHT = 680.0, 400.0


def hex_colour(colour: Sequence[int]) -> str:
    return "#" + "".join(f"{int(part):02x}" for part in colour[:3])


def band_colour(ratio: float) -> str:
    """The colour of a lead time over its target, on the interactive map's fixed scale."""
    palette = [*(colour for _edge, colour, _label in LEAD_BANDS), GREY]
    return hex_colour(palette[int(banded(np.array([ratio]), LEAD_BANDS)[0])])


def _text(x: float, y: float, text: str, size: float = 11, anchor: str = "start",
          weight: str = "normal", fill: str = INK, halo: bool = False) -> str:
    outline = (' stroke="#fff" stroke-width="3" paint-order="stroke" stroke-linejoin="round"'
               if halo else "")
    return (f'<text x="{x:.1f}" y="{y:.1f}" font-size="{size}" text-anchor="{anchor}" '
            f'font-weight="{weight}" fill="{fill}"{outline}>{escape(text)}</text>')


def _svg(width: float, height: float, body: Iterable[str], title: str) -> Markup:
    return Markup(
        f'<svg viewBox="0 0 {width:.0f} {height:.0f}" '
        f'width="{width:.0f}" height="{height:.0f}" role="img" font-family=\'{FONT}\'>'
        f"<title>{escape(title)}</title>" + "".join(body) + "</svg>")


@dataclass(frozen=True)
class Projection:
    """Longitude and latitude to the page: equirectangular about the middle latitude, which
    is true enough for a city's counties; the drawing centred across the page."""

    west: float
    north: float
    scale: float  # pixels per degree of latitude
    squeeze: float  # cos(latitude): a degree of longitude is shorter
    left: float
    top: float

    @classmethod
    def around(cls, lon: np.ndarray, lat: np.ndarray, width: float, height: float,
               margin: float = 14.0) -> Projection:
        squeeze = math.cos(math.radians(float(np.mean([lat.min(), lat.max()]))))
        span_x = max(float(lon.max() - lon.min()) * squeeze, 1e-6)
        span_y = max(float(lat.max() - lat.min()), 1e-6)
        scale = min((width - 2 * margin) / span_x, (height - 2 * margin) / span_y)
        return cls(float(lon.min()), float(lat.max()), scale, squeeze,
                   (width - span_x * scale) / 2, margin)

    def x(self, lon: np.ndarray | float) -> np.ndarray | float:
        return self.left + (lon - self.west) * self.squeeze * self.scale

    def y(self, lat: np.ndarray | float) -> np.ndarray | float:
        return self.top + (self.north - lat) * self.scale


def loop_ratios(nodes: pd.DataFrame, loops: pd.DataFrame) -> dict[str, float]:
    """Each loop's stops' lead time over their target, weighted by their parcels (the
    loop's base excluded); NaN where none of its stops' residents was measured."""
    ratio = lead_ratio(nodes)
    at = {(round(lon, 6), round(lat, 6)): i for i, lon, lat in
          zip(range(len(nodes)), nodes["lon"], nodes["lat"], strict=True)}
    parcels = nodes["parcels"].to_numpy(float)
    found = {}
    for route, path in zip(loops["route"], loops["path"], strict=True):
        stops = {at.get((round(lon, 6), round(lat, 6))) for lon, lat in path[1:-1]}
        stops = [s for s in stops - {None} if parcels[s] > 0 and not np.isnan(ratio[s])]
        total = sum(parcels[s] for s in stops)
        found[route] = (sum(ratio[s] * parcels[s] for s in stops) / total if total
                        else math.nan)
    return found


def network_map(nodes: pd.DataFrame, loops: pd.DataFrame, boundaries: Boundaries,
                title: str) -> Markup:
    """Parks, stations, villages and vehicle loops coloured by their residents' mean lead
    time against the target (a loop by the places it serves), over the counties'
    boundaries where the scenario has them; counties named, and a legend."""
    by_loop = loop_ratios(nodes, loops[loops["fleet"].isin(LOOP_FLEETS)])
    places = pd.Series(lead_ratio(nodes), index=nodes.index).map(band_colour)
    return _drawn(nodes, loops, boundaries, title, places,
                  {route: band_colour(ratio) for route, ratio in by_loop.items()}, legend=True)


def plain_map(nodes: pd.DataFrame, loops: pd.DataFrame, boundaries: Boundaries,
              title: str) -> Markup:
    """The network as written, before any run: places by kind and loops by fleet in the
    interactive map's colours (whose legend goes beside it)."""
    places = nodes["kind"].map(lambda k: hex_colour(KIND_COLOURS.get(k, GREY)))
    fleets = {route: hex_colour(FLEET_COLOURS.get(fleet, GREY))
              for route, fleet in zip(loops["route"], loops["fleet"], strict=True)}
    return _drawn(nodes, loops, boundaries, title, places, fleets, legend=False)


def _drawn(nodes: pd.DataFrame, loops: pd.DataFrame, boundaries: Boundaries, title: str,
           place_colours: pd.Series, loop_colours: dict[str, str], legend: bool) -> Markup:
    """The map: boundaries, loops (line hauls faint), villages as dots, stations and parks
    as ringed circles, hubs as squares, then names."""
    places = nodes[nodes["kind"].isin(PLACES)]
    lon, lat = places["lon"].to_numpy(float), places["lat"].to_numpy(float)
    rings = [ring for county in boundaries.counties for polygon in county.polygons
             for ring in polygon]
    for ring in rings:
        lon, lat = np.append(lon, [p[0] for p in ring]), np.append(lat, [p[1] for p in ring])
    at = Projection.around(lon, lat, MAP_WIDTH, MAP_HEIGHT)
    height = float(at.y(lat.min())) + at.top
    inside = nodes["lon"].between(lon.min(), lon.max()) & nodes["lat"].between(lat.min(),
                                                                              lat.max())
    hubs = nodes[nodes["kind"].isin(HUBS) & inside]
    body = [_boundaries(at, boundaries)] if rings else []
    shown = loops[loops["fleet"].isin((*LOOP_FLEETS, "line_haul"))]
    for route, fleet, path in zip(shown["route"], shown["fleet"], shown["path"], strict=True):
        colour = FAINT if fleet == "line_haul" else loop_colours[route]
        body.append(_polyline(at, path, colour, 0.9 if "village" in fleet else 1.6))
    points = nodes["kind"] == "point"
    for colour in sorted(set(place_colours[points])):
        body.append(_dots(at, nodes[points & (place_colours == colour)], colour, 3.2))
    for size, what in ((4.0, "station"), (6.5, "park")):
        for index in nodes.index[nodes["kind"] == what]:
            body.append(f'<circle cx="{at.x(nodes.at[index, "lon"]):.1f}" '
                        f'cy="{at.y(nodes.at[index, "lat"]):.1f}" r="{size}" '
                        f'fill="{place_colours[index]}" stroke="{INK}" stroke-width="0.8"/>')
    for lon_, lat_ in zip(hubs["lon"], hubs["lat"], strict=True):
        body.append(f'<rect x="{at.x(lon_) - 4:.1f}" y="{at.y(lat_) - 4:.1f}" width="8" '
                    f'height="8" fill="#fff" stroke="{INK}" stroke-width="1.2"/>')
    body += _place_labels(at, nodes, hubs, boundaries)
    if not legend:
        return _svg(MAP_WIDTH, height + 6, body, title)
    key, key_height = _map_legend(height + 6)
    return _svg(MAP_WIDTH, height + 6 + key_height, [*body, *key], title)


def _boundaries(at: Projection, boundaries: Boundaries) -> str:
    paths = " ".join("M" + " L".join(f"{at.x(lon):.1f} {at.y(lat):.1f}" for lon, lat in ring)
                     + " Z" for county in boundaries.counties for polygon in county.polygons
                     for ring in polygon if len(ring) > 2)
    return (f'<path d="{paths}" fill="#eef1f5" stroke="#6a6a7a" stroke-width="0.8" '
            f'fill-rule="evenodd"/>')


def _polyline(at: Projection, path: Sequence[Sequence[float]], colour: str,
              width: float) -> str:
    points = " ".join(f"{at.x(lon):.1f},{at.y(lat):.1f}" for lon, lat in path)
    return (f'<polyline points="{points}" fill="none" stroke="{colour}" '
            f'stroke-width="{width}" stroke-opacity="0.85"/>')


def _dots(at: Projection, nodes: pd.DataFrame, colour: str, size: float) -> str:
    """Many small dots as one path of zero-length round-capped strokes (small on paper)."""
    moves = "".join(f"M{at.x(lon):.1f} {at.y(lat):.1f}h0"
                    for lon, lat in zip(nodes["lon"], nodes["lat"], strict=True))
    return (f'<path d="{moves}" stroke="{colour}" stroke-width="{size}" '
            f'stroke-linecap="round"/>')


def _place_labels(at: Projection, nodes: pd.DataFrame, hubs: pd.DataFrame,
                  boundaries: Boundaries) -> list[str]:
    """Counties at their parks (by the boundaries' names where given); hubs and townships
    where there are few enough to read."""
    counties = county_names(nodes[nodes["kind"].isin(PLACES)], boundaries)
    labels = [_text(at.x(lon), at.y(lat) - 9, counties.get(county, county), 13, "middle",
                    "bold", halo=True)
              for county, lon, lat in nodes.loc[nodes["kind"] == "park",
                                                ["county", "lon", "lat"]].itertuples(
                  index=False)]
    if len(hubs) <= LABELLED_HUBS:
        labels += [_text(at.x(lon) + 7, at.y(lat) + 4, name, 9, halo=True)
                   for name, lon, lat in hubs[["name", "lon", "lat"]].itertuples(index=False)]
    stations = nodes[nodes["kind"] == "station"]
    if len(stations) <= LABELLED_STATIONS:
        labels += [_text(at.x(lon) + 6, at.y(lat) + 4, name, 10, halo=True)
                   for name, lon, lat in stations[["name", "lon", "lat"]].itertuples(
                       index=False)]
    return labels


LEGEND_ROW = 18.0


def _map_legend(top: float) -> tuple[list[str], float]:
    """The colours and the symbols as rows of entries that wrap at the map's width; the
    parts and the height they take."""
    parts = [_text(8, top + 12, _(COLOUR_BY["lead"]), 11, weight="bold")]
    colours = [(f'<rect x="{{x}}" y="{{y}}" width="14" height="10" fill="{hex_colour(colour)}"/>',
                _(label)) for _edge, colour, label in LEAD_BANDS]
    colours.append((f'<rect x="{{x}}" y="{{y}}" width="14" height="10" '
                    f'fill="{hex_colour(GREY)}"/>', _(NOT_MEASURED)))
    symbols = [
        (f'<circle cx="{{cx}}" cy="{{cy}}" r="6.5" fill="#fff" stroke="{INK}"/>',
         _("county logistics park")),
        (f'<circle cx="{{cx}}" cy="{{cy}}" r="4" fill="#fff" stroke="{INK}"/>',
         _("township service station")),
        (f'<circle cx="{{cx}}" cy="{{cy}}" r="1.8" fill="{INK}"/>', _("village service point")),
        (f'<rect x="{{x}}" y="{{y}}" width="10" height="10" fill="#fff" stroke="{INK}"/>',
         _("hub")),
        (f'<line x1="{{x}}" x2="{{right}}" y1="{{cy}}" y2="{{cy}}" stroke="{INK}"/>',
         _("vehicle loop"))]
    y = top + 20
    for entries in (colours, symbols):
        x = 10.0
        for symbol, label in entries:
            width = 22 + 6.2 * display_width(label) + 14
            if x + width > MAP_WIDTH:
                x, y = 10.0, y + LEGEND_ROW
            parts.append(symbol.format(x=f"{x:.1f}", y=f"{y:.1f}", cx=f"{x + 7:.1f}",
                                       cy=f"{y + 5:.1f}", right=f"{x + 14:.1f}"))
            parts.append(_text(x + 20, y + 9.5, label, 10))
            x += width
        y += LEGEND_ROW
    return parts, y - top


# Charts

def _axis(left: float, right: float, top: float, bottom: float, end: float, step: float,
          label: Callable[[float], str]) -> list[str]:
    """Vertical grid lines with their labels below, from 0 to `end` by `step`."""
    parts = []
    ticks = np.arange(0.0, end + step / 2, step)
    for tick in ticks:
        x = left + (right - left) * tick / end
        parts.append(f'<line x1="{x:.1f}" x2="{x:.1f}" y1="{top:.1f}" y2="{bottom:.1f}" '
                     f'stroke="#ddd" stroke-width="0.8"/>')
        parts.append(_text(x, bottom + 13, label(tick), 9, "middle", fill="#555"))
    return parts


def _hour_step(end: float) -> float:
    return next(step for step in (2, 4, 6, 12, 24, 48, 96, 168, 336, 720, 1e9)
                if end / step <= 8)


@dataclass(frozen=True)
class TierLead:
    """One row of the lead-time chart."""

    tier: str
    p50: float | None
    p95: float | None
    target: float
    on_time: float | None


def lead_chart(rows: Sequence[TierLead], title: str) -> Markup:
    """Lead time by where residents live: the median and the 95th percentile as bars,
    the target as a red rule, and the on-time share written beside."""
    labels = [kind(RESIDENTS, row.tier) for row in rows]
    left = 16 + 6.5 * max(display_width(label) for label in labels)
    width, right_note = MAP_WIDTH, 130.0
    right = width - right_note
    row_h, top = 34.0, 26.0
    bottom = top + row_h * len(rows)
    values = [v for row in rows for v in (row.p95, row.target) if v is not None]
    step = _hour_step(max(values) * 1.08)
    end = step * math.ceil(max(values) * 1.08 / step)
    body = [_text(left, 14, _("Hours: median (dark) and 95th percentile (light) against the "
                               "target (red)"), 10, fill="#555")]
    body += _axis(left, right, top - 4, bottom, end, step, lambda t: number(t))

    def x(value: float) -> float:
        return left + (right - left) * value / end

    for index, (row, label) in enumerate(zip(rows, labels, strict=True)):
        y = top + row_h * index
        body.append(_text(left - 8, y + 17, label, 11, "end"))
        if row.p95 is not None:
            body.append(f'<rect x="{left:.1f}" y="{y + 6:.1f}" width="{x(row.p95) - left:.1f}" '
                        f'height="16" fill="#a6c8e6"/>')
        if row.p50 is not None:
            body.append(f'<rect x="{left:.1f}" y="{y + 9:.1f}" width="{x(row.p50) - left:.1f}" '
                        f'height="10" fill="#2f6fa8"/>')
        body.append(f'<line x1="{x(row.target):.1f}" x2="{x(row.target):.1f}" '
                    f'y1="{y + 2:.1f}" y2="{y + 26:.1f}" stroke="{TARGET}" stroke-width="2.2"/>')
        body.append(_text(right + 8, y + 12, _("target {hours} h").format(
            hours=number(row.target)), 9, fill=TARGET))
        body.append(_text(right + 8, y + 24, _("on time {share}").format(
            share=percent(row.on_time)), 9))
    body.append(_text(left, bottom + 26, _("hours from entering the city to the resident, "
                                           "and back"), 9, fill="#555"))
    return _svg(width, bottom + 32, body, title)


def share_chart(shares: Sequence[tuple[str, float]], whole: float | None, title: str,
                whole_label: str) -> Markup:
    """Shares as bars from 0 to 100% (one per name, as given), with the whole network's
    share as a dashed rule."""
    left = 16 + 6.5 * max([display_width(name) for name, _share in shares] + [4])
    right = MAP_WIDTH - 60.0
    row_h, top = 22.0, 10.0
    bottom = top + row_h * len(shares)
    body = _axis(left, right, top - 4, bottom, 1.0, 0.2, lambda t: percent(t, 0))

    def x(value: float) -> float:
        return left + (right - left) * min(max(value, 0.0), 1.0)

    for index, (name, share) in enumerate(shares):
        y = top + row_h * index
        body.append(_text(left - 8, y + 14, name, 11, "end"))
        if share is not None and np.isfinite(share):
            body.append(f'<rect x="{left:.1f}" y="{y + 4:.1f}" width="{x(share) - left:.1f}" '
                        f'height="14" fill="#2f6fa8"/>')
            body.append(_text(x(share) + 4, y + 15, percent(share), 9))
    if whole is not None and np.isfinite(whole):
        body.append(f'<line x1="{x(whole):.1f}" x2="{x(whole):.1f}" y1="{top - 4:.1f}" '
                    f'y2="{bottom:.1f}" stroke="{TARGET}" stroke-width="1.5" '
                    f'stroke-dasharray="4 3"/>')
        body.append(_text(x(whole), bottom + 26, whole_label, 9, "middle", fill=TARGET))
    return _svg(MAP_WIDTH, bottom + 32, body, title)
