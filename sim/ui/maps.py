"""The network on a map a planner reads, drawn with pydeck and no tile server.

County boundaries come from the real polygons (`boundaries.geojson` beside the node table,
when there is one); places carry their names as the node table writes them; colours follow
fixed scales, so the same value has the same colour in every run and a collapse at Double-11
volume looks like one; everything that can be hovered has a tooltip in words; and a day
slider replays where parcels wait and what each loop carries. No township polygons exist
free, so townships are labelled at their stations.
"""

from __future__ import annotations

import datetime as dt
import html
import itertools
import json
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
import pydeck as pdk
import streamlit as st
from babel.dates import format_skeleton
from pydeck.bindings.json_tools import default_serialize

from sim.errors import ScenarioError
from sim.i18n import LANGUAGES, N_, _, language, ngettext, number, percent
from sim.network import Network
from sim.results.names import FLEETS, MODES, TIERS, Names, kind
from sim.results.views import loop_paths, place_table
from sim.scenario import LoadedScenario

if TYPE_CHECKING:
    from sim.ui.runs import RunRecord

BOUNDARIES = "boundaries.geojson"  # beside the node table, bundled or uploaded
MAX_BOUNDARY_POINTS = 200_000  # vertices of all polygons: more would swamp the page
CJK_FONT = "Noto Sans CJK SC, Noto Sans SC, Source Han Sans SC, Microsoft YaHei, PingFang SC, " \
           "sans-serif"

Colour = tuple[int, int, int]
GREEN, AMBER, RED, PURPLE, GREY = (26, 150, 65), (245, 166, 35), (215, 48, 39), \
    (118, 42, 131), (170, 170, 170)
# (upper edge, colour, legend): a value belongs to the first band whose edge it does not pass
LEAD_BANDS: tuple[tuple[float, Colour, str], ...] = (
    (1.0, GREEN, N_("within the target")),
    (1.5, AMBER, N_("up to 1.5 times the target")),
    (math.inf, RED, N_("beyond 1.5 times the target")))
USE_BANDS: tuple[tuple[float, Colour, str], ...] = (
    (0.5, (199, 233, 192), N_("under 50%")),
    (0.7, (161, 217, 155), N_("50% to 70%")),
    (0.85, (253, 208, 162), N_("70% to 85%")),
    (1.0, (241, 105, 19), N_("85% to 100%")),
    (math.inf, PURPLE, N_("over 100%: more arrives than it can handle")))
NOT_MEASURED = N_("nothing measured")
COLOUR_BY = {"lead": N_("Residents' lead time against the target"),
             "use": N_("Utilisation")}

FLEET_COLOURS: dict[str, Colour] = {
    "trunk": (90, 90, 90), "line_haul": (120, 80, 160), "township": (30, 110, 200),
    "village": (40, 160, 90), "courier": (230, 150, 30), "bus_township": (0, 150, 160),
    "bus_village": (110, 180, 40), "reefer": (0, 170, 220), "truck": (150, 110, 60)}
GOODS_FLEETS = {"reefer": N_("reefers (cold chain)"), "truck": N_("freight trucks")}
GOODS_JOBS = {"collect": N_("collection"), "distribute": N_("distribution"),
              "line_haul": N_("line haul to the gateway")}
KIND_COLOURS: dict[str, Colour] = {
    "gateway": (60, 60, 60), "hub": (120, 80, 160), "park": (30, 110, 200),
    "station": (40, 160, 90), "point": (230, 150, 30), "goods_hub": (0, 170, 220)}
KIND_RADIUS = {"gateway": 1500, "hub": 1500, "goods_hub": 1200, "park": 1200, "station": 800,
               "point": 200}  # metres
GOODS_HUB = N_("goods hub")
# loop width in pixels by what it carries a day, on a fixed scale per unit
LOAD_EDGES = {"parcels": (100, 1_000, 10_000, 100_000), "pallets": (10, 100, 1_000, 10_000)}
LOAD_WIDTHS = (1.5, 3.0, 5.0, 8.0, 12.0)
# rings round the places where parcels wait: area in proportion, 4 km across for 1,000; in
# a neutral colour (a count, not a judgement), and only where they show beyond the dot
BUBBLE_M = 2000 / math.sqrt(1000)
BUBBLE_FILL, BUBBLE_LINE = [55, 65, 110, 25], [55, 65, 110, 200]
BUBBLE_BEYOND = 2.0  # a ring is drawn where its radius is over twice the dot's
TOWNSHIP_LABEL_M = 1000  # township names are this tall on the ground: legible zoomed in
TOOLTIP = {"text": "{tip}", "style": {  # every row's `tip`, in words, in a CJK font
    "fontFamily": CJK_FONT, "fontSize": "13px", "whiteSpace": "pre-line",
    "backgroundColor": "#ffffff", "color": "#222222", "border": "1px solid #bbbbbb",
    "maxWidth": "360px"}}


# ---------------------------------------------------------------------------- boundaries

@dataclass(frozen=True)
class County:
    """A county-level unit's name and polygons: each a list of rings of [lon, lat] (the
    outer ring first, then holes)."""

    name: str
    polygons: tuple[list[list[list[float]]], ...]


@dataclass(frozen=True)
class Boundaries:
    """The counties drawn on a scenario's map, or why its boundaries file was not used."""

    counties: tuple[County, ...] = ()
    file: str = ""  # the file as the scenario names it, where it could not be used
    problem: str = ""  # N_ message with a {file} field

    def message(self) -> str:
        return _(self.problem).format(file=self.file) if self.problem else ""


UNREADABLE = N_("{file} could not be read (too large, or not a file), so the map has no "
                "county boundaries.")
NOT_BOUNDARIES = N_("{file} is not a boundaries file (a GeoJSON FeatureCollection of "
                    "Polygon or MultiPolygon features, each with a `name`), so the map has "
                    "no county boundaries.")
TOO_DETAILED = N_("{file} has more boundary points than a map can draw, so the map has no "
                  "county boundaries.")


class _NotBoundaries(ValueError):
    """A boundaries file of the wrong shape."""


def read_boundaries(scenario: LoadedScenario) -> Boundaries:
    """The county polygons in `boundaries.geojson` beside the scenario's node table, read
    through its Files (a bundled one, or one uploaded with it), those of the scenario's
    counties where the file names them; none when there is no such file. A file that cannot
    be read or is not such a file is a message, never a traceback, and its content is never
    quoted."""
    files = scenario.files
    path = scenario.nodes_path.parent / BOUNDARIES
    label = files.label(path)
    try:
        data = files.read(path, files.limits.table_bytes, "table")
    except ScenarioError as error:
        if error.problem.startswith("file not found"):
            return Boundaries()
        return Boundaries(file=label, problem=UNREADABLE)
    try:
        counties = parse_boundaries(data)
    except _NotBoundaries:
        return Boundaries(file=label, problem=NOT_BOUNDARIES)
    except OverflowError:
        return Boundaries(file=label, problem=TOO_DETAILED)
    # a province's file serves every scenario of its cities: draw the scenario's counties
    wanted = set(scenario.nodes["county"].dropna())
    return Boundaries(counties=tuple(c for c in counties if c.name in wanted) or counties)


def parse_boundaries(data: bytes) -> tuple[County, ...]:
    """Counties from GeoJSON bytes; `_NotBoundaries` (or OverflowError: too many points)
    unless it is a FeatureCollection of named Polygon or MultiPolygon features."""
    try:
        document = json.loads(data.decode("utf-8-sig"))
    except (ValueError, RecursionError):  # not UTF-8, not JSON, or nested beyond reason
        raise _NotBoundaries from None
    if not isinstance(document, dict) or document.get("type") != "FeatureCollection":
        raise _NotBoundaries
    features = document.get("features")
    if not isinstance(features, list):
        raise _NotBoundaries
    counties, points = [], 0
    for feature in features:
        if not isinstance(feature, dict):
            raise _NotBoundaries
        geometry, properties = feature.get("geometry"), feature.get("properties")
        name = properties.get("name") if isinstance(properties, dict) else None
        if not isinstance(name, str) or not name.strip() or not isinstance(geometry, dict):
            raise _NotBoundaries
        shape, coordinates = geometry.get("type"), geometry.get("coordinates")
        if shape == "Polygon":
            coordinates = [coordinates]
        elif shape != "MultiPolygon":
            raise _NotBoundaries
        polygons = tuple(_polygon(polygon) for polygon in _list(coordinates))
        points += sum(len(ring) for polygon in polygons for ring in polygon)
        if points > MAX_BOUNDARY_POINTS:
            raise OverflowError
        counties.append(County(name.strip(), polygons))
    return tuple(counties)


def _list(value: Any) -> list:
    if not isinstance(value, list) or not value:
        raise _NotBoundaries
    return value


def _polygon(rings: Any) -> list[list[list[float]]]:
    """A polygon's rings as [lon, lat] lists, each ring closed and of at least 4 points."""
    polygon = []
    for ring in _list(rings):
        points = [_position(point) for point in _list(ring)]
        if len(points) < 4:
            raise _NotBoundaries
        polygon.append(points)
    return polygon


def _position(point: Any) -> list[float]:
    if (not isinstance(point, list) or len(point) < 2
            or not all(isinstance(v, int | float) and not isinstance(v, bool)
                       for v in point[:2])):
        raise _NotBoundaries
    lon, lat = float(point[0]), float(point[1])
    if not (-180.0 <= lon <= 180.0 and -90.0 <= lat <= 90.0):
        raise _NotBoundaries
    return [lon, lat]


def _centre(county: County) -> tuple[float, float]:
    """Where a county's name goes: the centroid of its largest polygon's outer ring."""
    best, best_area = (0.0, 0.0), -1.0
    for polygon in county.polygons:
        ring = np.asarray(polygon[0])
        x, y = ring[:, 0], ring[:, 1]
        cross = x[:-1] * y[1:] - x[1:] * y[:-1]
        area = cross.sum() / 2
        if abs(area) > best_area and area != 0:
            best_area = abs(area)
            best = (float(((x[:-1] + x[1:]) * cross).sum() / (6 * area)),
                    float(((y[:-1] + y[1:]) * cross).sum() / (6 * area)))
    return best if best_area > 0 else tuple(np.asarray(county.polygons[0][0]).mean(axis=0))


def _contains(county: County, lon: float, lat: float) -> bool:
    """Whether a point lies inside a county (even-odd rule over all rings)."""
    inside = False
    for polygon in county.polygons:
        for ring in polygon:
            xy = np.asarray(ring)
            x0, y0, x1, y1 = xy[:-1, 0], xy[:-1, 1], xy[1:, 0], xy[1:, 1]
            crosses = (y0 > lat) != (y1 > lat)
            with np.errstate(divide="ignore", invalid="ignore"):
                at = x0 + (lat - y0) * (x1 - x0) / (y1 - y0)
            inside ^= bool(np.count_nonzero(crosses & (lon < at)) % 2)
    return inside


def county_names(places: pd.DataFrame, boundaries: Boundaries) -> dict[str, str]:
    """Each county of the node table by the name of the boundary its park lies in (the
    polygons' own names, in Chinese), else as the node table writes it."""
    names = {county: county for county in places["county"].unique() if county}
    parks = places[places["kind"] == "park"]
    for county, lon, lat in zip(parks["county"], parks["lon"], parks["lat"], strict=True):
        for shape in boundaries.counties:
            if _contains(shape, lon, lat):
                names[county] = shape.name
                break
    return names


# ------------------------------------------------------------------------------ colours

def banded(values: np.ndarray, bands: Sequence[tuple[float, Colour, str]]) -> np.ndarray:
    """Each value's band index on a fixed scale (-1: not a number)."""
    values = np.asarray(values, dtype=float)
    edges = np.array([edge for edge, _colour, _label in bands])
    index = np.minimum(np.searchsorted(edges, values, side="left"), len(edges) - 1)
    return np.where(np.isnan(values), -1, index)


def band_colours(values: np.ndarray, bands: Sequence[tuple[float, Colour, str]],
                 alpha: int = 230) -> list[list[int]]:
    """RGBA of each value on a fixed scale; grey where nothing was measured."""
    palette = [*(colour for _edge, colour, _label in bands), GREY]
    return [[*palette[i], alpha] for i in banded(values, bands)]


def lead_ratio(nodes: pd.DataFrame) -> np.ndarray:
    """Residents' mean lead time over its target; infinite where none of their measured
    parcels was delivered (the worst), NaN where none was measured."""
    ratio = (nodes["mean_lead_h"] / nodes["target_h"]).to_numpy(dtype=float)
    stuck = (nodes["parcels"] > 0) & (nodes["parcels"] == nodes["still_inside"])
    return np.where(stuck.to_numpy(), math.inf, ratio)


def use_share(nodes: pd.DataFrame) -> np.ndarray:
    """What a node's colour by utilisation shows: at sorting lines, what arrived over what
    they can sort (above 1 when overloaded); elsewhere the busy share."""
    demand = nodes["demand_share"].to_numpy(dtype=float)
    return np.where(np.isnan(demand), nodes["utilisation"].to_numpy(dtype=float), demand)


def load_widths(per_day: np.ndarray, units: Sequence[str]) -> list[float]:
    """Pixels of each loop by what it carries a day, on the fixed scale of its unit."""
    return [LOAD_WIDTHS[int(np.searchsorted(LOAD_EDGES[unit], value, side="right"))]
            for value, unit in zip(per_day, units, strict=True)]


# -------------------------------------------------------------------------------- words

def day_label(start: dt.date, day: int, run: dict) -> str:
    """A day of the run as a date, marked where it is warm-up or drain."""
    text = format_skeleton("MMMd", start + dt.timedelta(days=day),
                           locale=LANGUAGES[language()])
    if day < run["warmup_days"]:
        return _("{date} (warm-up, not measured)").format(date=text)
    if day >= run["days"]:
        return _("{date} (no new parcels)").format(date=text)
    return text


def _kind_label(code: str) -> str:
    return _(GOODS_HUB) if code == "goods_hub" else kind(TIERS, code)


def _fleet_label(code: str) -> str:
    return _(GOODS_FLEETS[code]) if code in GOODS_FLEETS else kind(FLEETS, code)


def _place_line(row: Any, names: Names, counties: dict[str, str]) -> str:
    """What a place is and where: its kind, its township (for a village) and county."""
    parts = [_kind_label(row.kind)]
    if row.kind == "point" and row.parent:
        parts.append(names.node(row.parent))
    if row.kind in ("park", "station", "point") and row.county:
        parts.append(counties.get(row.county, row.county))
    return " · ".join(parts)


def _lead_lines(row: Any) -> list[str]:
    if row.kind in ("gateway", "hub", "goods_hub"):
        return [_("Nobody lives here: parcels pass through")]
    if not row.parcels:
        return [_("No parcels measured for residents here")]
    lines = []
    if row.parcels == row.still_inside:
        lines.append(_("None of its {count} parcels was delivered by the end of the run")
                     .format(count=number(row.parcels)))
    else:
        lines.append(_("Residents' mean lead time {lead} h, target {target} h").format(
            lead=number(row.mean_lead_h, 1), target=number(row.target_h)))
        lines.append(_("On time: {share} of {count} parcels").format(
            share=percent(row.on_time_share), count=number(row.parcels)))
    if row.still_inside:
        lines.append(ngettext("{count} parcel still inside at the end of the run",
                              "{count} parcels still inside at the end of the run",
                              int(row.still_inside)).format(count=number(row.still_inside)))
    return lines


def _use_line(row: Any) -> str:
    if row.kind == "gateway":
        return _("Parcels enter and leave the city here")
    if row.kind == "point" and np.isnan(row.shelf_slots):
        return _("No shelf in use here")
    if np.isnan(row.utilisation):
        return _("No utilisation measured")
    if row.kind == "point":
        slots = row.shelf_slots
        return _("Shelf at its fullest: {peak} of {slots} slots ({share})").format(
            peak=number(round(row.utilisation * slots)), slots=number(slots),
            share=percent(row.utilisation))
    if row.kind == "goods_hub":
        return _("Utilisation {share} (its cold store, or its dock where it has none)") \
            .format(share=percent(row.utilisation))
    if np.isnan(row.demand_share):
        return _("Sorting lines busy {busy} of their shift hours").format(
            busy=percent(row.utilisation))
    return _("Sorting lines busy {busy} of their shift hours; parcels arriving: {demand} of "
             "what they can sort").format(busy=percent(row.utilisation),
                                          demand=percent(row.demand_share))


def _backlog_line(kind_code: str, count: float, date: str) -> str:
    if np.isnan(count):
        return _("{date}: no count of waiting parcels kept here").format(date=date)
    if kind_code == "point":
        return ngettext("{date}: {count} parcel on the shelf at the day's end",
                        "{date}: {count} parcels on the shelf at the day's end",
                        int(count)).format(date=date, count=number(count))
    return ngettext("{date}: {count} parcel in the facility at the day's end",
                    "{date}: {count} parcels in the facility at the day's end",
                    int(count)).format(date=date, count=number(count))


def _route_name(route: str, names: Names) -> str:
    """A parcel loop by its readable name; a goods loop by its hub, job and zone."""
    job, _sep, rest = route.partition(":")
    if job in GOODS_JOBS and rest.count(":") == 1:
        hub, zone = rest.split(":")
        place = kind(TIERS, zone) if zone == "gateway" else names.node(zone)
        return _("{hub}: {job}, {place}").format(hub=names.node(hub), job=_(GOODS_JOBS[job]),
                                                 place=place)
    return names.route(route)


def _loop_line(row: Any) -> str:
    parts = [_fleet_label(row.fleet),
             ngettext("{count} vehicle", "{count} vehicles", int(row.vehicles)).format(
                 count=number(row.vehicles)),
             _("{km} km a loop").format(km=number(row.km, 1))]
    if row.mode and row.mode != "joint":
        parts.insert(1, kind(MODES, row.mode))
    return " · ".join(parts)


def _carried_line(unit: str, per_day: float) -> str:
    if unit == "pallets":
        return _("Measured days: {count} pallets a day").format(count=number(per_day, 1))
    return _("Measured days: {count} parcels a day").format(count=number(per_day))


def _day_loop_line(unit: str, carried: float, waiting: float, date: str) -> str:
    if unit == "pallets":
        return _("{date}: {count} pallets carried").format(date=date, count=number(carried, 1))
    if np.isnan(waiting):
        return _("{date}: {count} parcels carried").format(date=date, count=number(carried))
    return _("{date}: {count} parcels carried, {waiting} waiting for it at the day's end") \
        .format(date=date, count=number(carried), waiting=number(waiting))


def _tips(frame: pd.DataFrame, lines: Callable[[Any], list[str]]) -> list[str]:
    return ["\n".join(lines(row)) for row in frame.itertuples(index=False)]


# ------------------------------------------------------------------------------- layers

@dataclass(frozen=True)
class MapParts:
    """What one map draws: places and loops with their colours, sizes and tooltips."""

    nodes: pd.DataFrame  # id, lon, lat, colour, radius, tip
    loops: pd.DataFrame  # path, colour, width, tip
    boundaries: Boundaries
    places: pd.DataFrame  # kind, name, county, lon, lat: for the labels
    counties: dict[str, str]
    bubbles: pd.DataFrame | None = None  # lon, lat, radius: parcels waiting
    overlays: tuple[pdk.Layer, ...] = ()  # drawn over the loops (disruptions), with a `tip`


def boundary_layer(boundaries: Boundaries) -> pdk.Layer:
    rows = [{"polygon": polygon, "tip": _("{county}: county boundary").format(
        county=county.name)} for county in boundaries.counties for polygon in county.polygons]
    return pdk.Layer("PolygonLayer", pd.DataFrame(rows), id="boundaries", get_polygon="polygon",
                     filled=True, stroked=True, get_fill_color=[222, 230, 240, 110],
                     get_line_color=[90, 90, 110, 220], line_width_min_pixels=1,
                     get_line_width=1, pickable=True)


def _label_layers(parts: MapParts) -> list[pdk.Layer]:
    """County names at their polygons (or parks), township names at their stations, in a
    font with the Chinese characters the names need."""
    places = parts.places
    if parts.boundaries.counties:
        counties = pd.DataFrame([(county.name, *_centre(county))
                                 for county in parts.boundaries.counties],
                                columns=["text", "lon", "lat"])
    else:
        parks = places[places["kind"] == "park"]
        counties = pd.DataFrame({"text": parks["county"].map(parts.counties).fillna(""),
                                 "lon": parks["lon"], "lat": parks["lat"]})
    townships = places.loc[places["kind"] == "station", ["name", "lon", "lat"]].rename(
        columns={"name": "text"})
    # pydeck reads a bare string as an expression: constants are quoted
    common = {"get_position": "[lon, lat]", "get_text": "text", "character_set": '"auto"',
              "font_family": f'"{CJK_FONT}"', "get_text_anchor": '"middle"',
              "get_alignment_baseline": '"center"', "font_settings": {"sdf": True},
              "outline_width": 4, "outline_color": [255, 255, 255, 230], "pickable": False}
    return [
        # set above its station, which stays in sight (and in reach of the pointer)
        pdk.Layer("TextLayer", townships, id="township-names", get_size=TOWNSHIP_LABEL_M,
                  size_units='"meters"', size_max_pixels=18, get_color=[80, 80, 80, 210],
                  get_pixel_offset=[0, -14], **common),
        pdk.Layer("TextLayer", counties[counties["text"] != ""], id="county-names",
                  get_size=18, font_weight='"bold"', get_color=[40, 40, 60, 255], **common),
    ]


class CompactDeck(pdk.Deck):
    """A deck whose JSON has no indentation and keeps Chinese as it is (pydeck's own
    indents and escapes it): a third of the bytes the page gets at every move of the
    slider."""

    def to_json(self) -> str:
        return json.dumps(self, sort_keys=True, default=default_serialize,
                          separators=(",", ":"), ensure_ascii=False)


def deck(parts: MapParts) -> pdk.Deck:
    """The map: boundaries, loops, waiting parcels, places and labels, with one tooltip
    template (each row's `tip`) and no tile server."""
    layers = []
    if parts.boundaries.counties:
        layers.append(boundary_layer(parts.boundaries))
    layers.append(pdk.Layer("PathLayer", parts.loops, id="loops", get_path="path",
                            get_color="colour", get_width="width", width_units='"pixels"',
                            joint_rounded=True, cap_rounded=True, pickable=True))
    layers += parts.overlays
    layers.append(pdk.Layer("ScatterplotLayer", parts.nodes, id="places",
                            get_position="[lon, lat]", get_fill_color="colour",
                            get_radius="radius", radius_min_pixels=2, stroked=True,
                            get_line_color=[255, 255, 255, 200], line_width_min_pixels=0.5,
                            pickable=True))
    if parts.bubbles is not None:  # rings over the places, which show through
        layers.append(pdk.Layer("ScatterplotLayer", parts.bubbles, id="waiting",
                                get_position="[lon, lat]", get_radius="radius",
                                get_fill_color=BUBBLE_FILL, get_line_color=BUBBLE_LINE,
                                stroked=True, line_width_min_pixels=1.5, pickable=False))
    layers += _label_layers(parts)
    return CompactDeck(layers=layers, initial_view_state=view_state(parts.places),
                       map_provider=None, tooltip=TOOLTIP)


def view_state(places: pd.DataFrame, width: int = 700, height: int = 500) -> pdk.ViewState:
    """The counties' places in view (the parks, stations and villages: the gateway and the
    hubs may lie far off, and including them would shrink the network a planner looks at),
    on a map about `width` x `height` pixels (deck.gl's world is 512 pixels wide at zoom 0)."""
    rural = places[places["kind"].isin(["park", "station", "point"])]
    places = rural if len(rural) else places
    lon, lat = places["lon"].to_numpy(float), places["lat"].to_numpy(float)
    lon_span = max(float(lon.max() - lon.min()), 0.01)
    lat_span = max(float(lat.max() - lat.min()), 0.01) / math.cos(math.radians(float(
        lat.mean())))
    zoom = math.log2(min(width * 360 / (512 * lon_span), height * 360 / (512 * lat_span))) - 0.1
    return pdk.ViewState(longitude=float(lon.min() + lon.max()) / 2,
                         latitude=float(lat.min() + lat.max()) / 2, zoom=min(zoom, 13.0))


# ----------------------------------------------------------------------- a run's map

@dataclass(frozen=True)
class RunTips:
    """The lines of a run's tooltips that hold on every day, in the language they were
    made in: most of a tooltip's words, made once rather than at every move of the slider."""

    nodes: list[str]
    loops: list[str]
    counties: dict[str, str]


def run_tips(record: RunRecord) -> RunTips:
    nodes, loops = record.nodes, record.edges
    names = Names({**dict(zip(nodes["id"], nodes["name"], strict=True)), **record.node_names})
    counties = county_names(nodes, record.boundaries)
    return RunTips(
        nodes=_tips(nodes, lambda row: [row.name, _place_line(row, names, counties),
                                        *_lead_lines(row), _use_line(row)]),
        loops=_tips(loops, lambda row: [_route_name(row.route, names), _loop_line(row),
                                        _carried_line(row.unit, row.per_day)]),
        counties=counties)


def run_parts(record: RunRecord, colour_by: str, day: int,
              tips: RunTips | None = None) -> MapParts:
    """A run's map on one day: places coloured on a fixed scale (`colour_by`: "lead" or
    "use"), loops by fleet and as wide as what they carried that day, rings for the
    parcels waiting at the day's end. `tips`: `run_tips(record)`, when already made."""
    nodes, loops, days = record.nodes, record.edges, record.map_days
    tips = tips or run_tips(record)
    run = record.summary["run"]
    date = day_label(dt.date.fromisoformat(run["start_date"]), day, run)
    backlog = days.backlog[day].reindex(nodes["id"]).to_numpy(dtype=float)
    value = lead_ratio(nodes) if colour_by == "lead" else use_share(nodes)
    bands = LEAD_BANDS if colour_by == "lead" else USE_BANDS
    drawn = pd.DataFrame({
        "id": nodes["id"], "lon": nodes["lon"].round(5), "lat": nodes["lat"].round(5),
        "colour": band_colours(value, bands), "radius": nodes["kind"].map(KIND_RADIUS),
        "tip": [f"{tip}\n{_backlog_line(kind_code, count, date)}" for tip, kind_code, count
                in zip(tips.nodes, nodes["kind"], backlog, strict=True)]})
    carried = days.carried[day].reindex(loops["route"]).fillna(0.0).to_numpy(dtype=float)
    waiting = days.waiting[day].reindex(loops["route"]).to_numpy(dtype=float)
    lines = pd.DataFrame({
        "path": loops["path"],
        "colour": [[*FLEET_COLOURS.get(fleet, GREY), 130 if unit == "pallets" else 210]
                   for fleet, unit in zip(loops["fleet"], loops["unit"], strict=True)],
        "width": load_widths(carried, loops["unit"]),
        "tip": [f"{tip}\n{_day_loop_line(unit, count, wait, date)}" for tip, unit, count, wait
                in zip(tips.loops, loops["unit"], carried, waiting, strict=True)]})
    radius = BUBBLE_M * np.sqrt(np.nan_to_num(backlog))
    shown = radius > BUBBLE_BEYOND * drawn["radius"].to_numpy(dtype=float)
    bubbles = pd.DataFrame({"lon": drawn["lon"][shown], "lat": drawn["lat"][shown],
                            "radius": radius[shown].round()})
    return MapParts(drawn, lines, record.boundaries, nodes, tips.counties, bubbles)


# ----------------------------------------------------------------------- a plan's map

GAINS, LOSES = (30, 150, 60), (230, 120, 20)  # a base that gets more, or fewer


def plan_parts(record: RunRecord, changes: pd.DataFrame) -> MapParts:
    """The network of a run with a plan's changes (`plan_change_rows`): each base that
    changes larger, green where it gains and orange where it loses, its tooltip saying
    what; every other place small and grey, the loops thin."""
    nodes, loops = record.nodes, record.edges
    said: dict[str, list[str]] = {}
    more: dict[str, bool] = {}
    for row in changes[changes["node_id"] != ""].itertuples(index=False):
        said.setdefault(row.node_id, []).append(_("{decision}: {now} now, {plan} in the plan")
                                                .format(decision=row.decision, now=row.now,
                                                        plan=row.planned))
        more[row.node_id] = more.get(row.node_id, False) or row.plan > row.scenario
    changed = nodes["id"].isin(list(said))
    drawn = pd.DataFrame({
        "id": nodes["id"], "lon": nodes["lon"].round(5), "lat": nodes["lat"].round(5),
        "colour": [[*(GAINS if more[i] else LOSES), 255] if i in said else [*GREY, 140]
                   for i in nodes["id"]],
        "radius": np.where(changed, 2.5, 1.0) * nodes["kind"].map(KIND_RADIUS),
        "tip": ["\n".join([name, *said.get(i, [])])
                for i, name in zip(nodes["id"], nodes["name"], strict=True)]})
    lines = pd.DataFrame({"path": loops["path"], "colour": [[*GREY, 120]] * len(loops),
                          "width": 1.0, "tip": ""})
    return MapParts(drawn, lines, record.boundaries, nodes,
                    county_names(nodes, record.boundaries))


def plan_legend() -> str:
    return legend_row(_("Bases"), [swatch(GAINS, _("more in the plan")),
                             swatch(LOSES, _("fewer in the plan")),
                             swatch(GREY, _("as now"))])


# --------------------------------------------------------------- before any run

def network_tables(scenario: LoadedScenario, network: Network
                   ) -> tuple[pd.DataFrame, pd.DataFrame, Boundaries]:
    """A scenario's places, loops and boundaries (its map before any run), from the network
    built from it."""
    return place_table(network.tree), loop_paths(network), read_boundaries(scenario)


# --------------------------------------------------------------------- legend, caption

def swatch(colour: Sequence[int], text: str, shape: str = "circle") -> str:
    """A legend item: a dot, a line or a ring of the colour, and its words."""
    radius = "2px" if shape == "line" else "50%"
    height = "4px" if shape == "line" else "12px"
    paint = f"rgb({colour[0]},{colour[1]},{colour[2]})"
    fill = f"border:2.5px solid {paint};box-sizing:border-box" if shape == "ring" else \
        f"background:{paint}"
    return (f'<span style="display:inline-flex;align-items:center;margin-right:14px">'
            f'<span style="display:inline-block;width:12px;height:{height};'
            f'border-radius:{radius};margin-right:5px;{fill}"></span>{html.escape(text)}</span>')


def legend_row(title: str, items: list[str]) -> str:
    return (f'<div style="font-size:0.85rem;margin:2px 0"><b>{html.escape(title)}</b>: '
            f'{"".join(items)}</div>')


def _fleet_row(loops: pd.DataFrame) -> str:
    fleets = [f for f in FLEET_COLOURS if f in set(loops["fleet"])]
    return legend_row(_("Loops by fleet"), [swatch(FLEET_COLOURS[f], _fleet_label(f), "line")
                                      for f in fleets])


def run_legend(colour_by: str, loops: pd.DataFrame) -> str:
    """The legend of a run's map: the fixed scales it draws with."""
    bands = LEAD_BANDS if colour_by == "lead" else USE_BANDS
    rows = [legend_row(_(COLOUR_BY[colour_by]), [
        *(swatch(colour, _(label)) for _edge, colour, label in bands),
        swatch(GREY, _(NOT_MEASURED))]), _fleet_row(loops)]
    for unit in dict.fromkeys(loops["unit"]):
        edges = LOAD_EDGES[unit]
        labels = [_("under {high}").format(high=number(edges[0])),
                  *(_("{low} to {high}").format(low=number(low), high=number(high))
                    for low, high in itertools.pairwise(edges)),
                  _("{low} or more").format(low=number(edges[-1]))]
        title = _("Loop width: parcels carried on the day") if unit == "parcels" else \
            _("Loop width: pallets carried on the day")
        rows.append(legend_row(title, [
            f'<span style="display:inline-flex;align-items:center;margin-right:14px">'
            f'<span style="display:inline-block;width:22px;height:{width}px;'
            f'background:#888;margin-right:5px"></span>{html.escape(label)}</span>'
            for width, label in zip(LOAD_WIDTHS, labels, strict=True)]))
    rows.append(legend_row(_("Rings"), [html.escape(_(
        "parcels waiting at the day's end, in a facility or on a village shelf, where more "
        "wait than the place's dot can show; the area grows with the count: a ring 4 km "
        "across holds 1,000 parcels"))]))
    return "".join(rows)


def network_legend(places: pd.DataFrame, loops: pd.DataFrame) -> str:
    """The legend of a network's map before any run."""
    kinds = [k for k in KIND_COLOURS if k in set(places["kind"])]
    return legend_row(_("Places"), [swatch(KIND_COLOURS[k], _kind_label(k)) for k in kinds]) \
        + _fleet_row(loops)


def caption(boundaries: Boundaries) -> None:
    """Where the map's shapes come from, and a boundaries file that could not be used."""
    if boundaries.problem:
        st.warning(boundaries.message())
    st.caption(_("County boundaries are the real polygons where the scenario has them; no "
                 "township boundaries exist free, so townships are named at their stations "
                 "(zoom in to read them). Township and village positions are generated. No "
                 "base map is drawn."))
