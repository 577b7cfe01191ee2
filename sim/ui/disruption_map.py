"""A run's disruptions on its map: roads closed (crimson) or slowed (orange) as lines, and
the facilities and places hit ringed, each with a tooltip saying what and when. Their colours
are none of the places' scales, so a closed road never reads as a late village.

What a disruption struck is kept with the run as road sections and place ids by event (a
row of the resilience events); the words are made when the map is drawn, in the language in
force. A road or place hit by several disruptions is drawn once, its tooltip naming each.
Disruptions not under way on the map's chosen day are drawn faded.
"""

from __future__ import annotations

import datetime as dt
import html
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
import pydeck as pdk

from sim.i18n import N_, _, number, percent
from sim.results.columns import disruption_rows
from sim.results.names import TIERS, Names, kind
from sim.ui.disruption_levers import moment
from sim.ui.maps import GOODS_HUB, KIND_RADIUS, Colour, legend_row, swatch

if TYPE_CHECKING:
    from sim.results import Results

HOURS_PER_DAY = 24.0
STOPPED, SLOWED = (165, 0, 90), (255, 127, 0)  # closed or down; slowed or short of vehicles
ON, FADED = 240, 70  # alpha under way on the chosen day, or not
ROAD_PX, FADED_PX = 2.5, 1.2  # a road's width under way, or not
RING_PX = 2.5
HOW = {  # what a disruption does, by its kind, where it stops something outright
    "road": N_("closed"), "facility": N_("sorting line down"),
    "closure": N_("closed: parcels wait upstream, residents cannot collect"),
    "arrivals": N_("no parcels come in from the trunk"),
    "power": N_("cold store without power")}


@dataclass(frozen=True)
class Struck:
    """What a run's disruptions hit, by event (the row of `Resilience.events`)."""

    roads: pd.DataFrame  # event, a, b (the ends' ids), path [[lon, lat], [lon, lat]]
    places: pd.DataFrame  # event, id (a node id, or a goods hub's name)


def struck(results: Results) -> Struck:
    """Road sections and places hit, from the run's disruption plan and network."""
    output = results.output
    tree = output.network.tree
    roads, places = [], []
    for index, event in enumerate(output.disruptions.events):
        roads += [(index, str(tree.ids[u]), str(tree.ids[v]),
                   [[round(float(tree.lon[u]), 5), round(float(tree.lat[u]), 5)],
                    [round(float(tree.lon[v]), 5), round(float(tree.lat[v]), 5)]])
                  for u, v in event.roads]
        places += [(index, str(tree.ids[node])) for node in event.nodes]
        places += [(index, hub) for hub in event.hubs]
    return Struck(pd.DataFrame(roads, columns=["event", "a", "b", "path"]),
                  pd.DataFrame(places, columns=["event", "id"]))


def how(event_kind: str, severity: float) -> str:
    """What a disruption does, in words: stopped outright, or by how much."""
    if event_kind == "fleet":
        if severity >= 1:
            return _("{count} vehicles out at each base").format(count=number(severity))
        return _("{share} of the vehicles in service").format(share=percent(severity, 0))
    if severity <= 0 or event_kind not in ("road", "facility"):
        return _(HOW.get(event_kind, N_("closed")))
    if event_kind == "road":
        return _("at {share} of its speed").format(share=percent(severity, 0))
    return _("sorting line at {share} of its rate").format(share=percent(severity, 0))


def event_words(events: pd.DataFrame, names: Names, start: dt.date) -> list[str]:
    """Each disruption's tooltip lines: what it does (after its name, where it has one, or
    its fleet), then when."""
    what = disruption_rows(events.assign(random=False), names, start)["what"]
    day0 = dt.datetime.combine(start, dt.time())
    words = []
    for name, row in zip(what, events.itertuples(index=False), strict=True):
        does = how(row.kind, row.severity)
        if row.name or row.kind == "fleet":
            does = _("{what}: {how}").format(what=name, how=does)
        words.append("\n".join([does, _("{start} to {end}").format(
            start=moment(day0 + dt.timedelta(hours=float(row.start_h))),
            end=moment(day0 + dt.timedelta(hours=float(row.end_h))))]))
    return words


def overlays(hit: Struck, events: pd.DataFrame, nodes: pd.DataFrame, names: Names,
             start: dt.date, day: int) -> tuple[pdk.Layer, ...]:
    """The map's layers of disruptions on `day`: roads as lines, places as rings."""
    if events.empty:
        return ()
    words = event_words(events, names, start)
    under_way = ((events["start_h"] < (day + 1) * HOURS_PER_DAY)
                 & (events["end_h"] > day * HOURS_PER_DAY)).to_numpy()
    stopped = (events["severity"].to_numpy() <= 0) & (events["kind"] != "fleet").to_numpy()
    layers = []
    if len(hit.roads):
        roads = hit.roads.groupby(["a", "b"], sort=False).agg(
            path=("path", "first"), event=("event", list)).reset_index()
        layers.append(pdk.Layer(
            "PathLayer", pd.DataFrame({
                "path": roads["path"],
                "colour": [_colour(events_, stopped, under_way) for events_ in roads["event"]],
                "width": [ROAD_PX if under_way[events_].any() else FADED_PX
                          for events_ in roads["event"]],
                "tip": [_tip(_("Road {a} to {b}").format(a=names.node(a), b=names.node(b)),
                             events_, words) for a, b, events_ in
                        zip(roads["a"], roads["b"], roads["event"], strict=True)]}),
            id="disrupted-roads", get_path="path", get_color="colour", get_width="width",
            width_units='"pixels"', cap_rounded=True, pickable=True))
    where = nodes.set_index("id")
    places = hit.places[hit.places["id"].isin(where.index)]
    if len(places):
        grouped = places.groupby("id", sort=False)["event"].agg(list)
        at = where.loc[grouped.index]
        layers.append(pdk.Layer(
            "ScatterplotLayer", pd.DataFrame({
                "lon": at["lon"].round(5).to_numpy(), "lat": at["lat"].round(5).to_numpy(),
                "radius": 2.2 * at["kind"].map(KIND_RADIUS).fillna(800).to_numpy(),
                "colour": [_colour(events_, stopped, under_way) for events_ in grouped],
                "tip": [_tip(f"{name}\n{_kind(code)}", events_, words) for name, code, events_
                        in zip(at["name"], at["kind"], grouped, strict=True)]}),
            id="disrupted-places", get_position="[lon, lat]", get_radius="radius",
            radius_min_pixels=7, filled=False, stroked=True, get_line_color="colour",
            line_width_min_pixels=RING_PX, pickable=True))
    return tuple(layers)


def legend() -> str:
    """The legend row of the disruptions drawn."""
    return legend_row(_("Disruptions"), [
        swatch(STOPPED, _("road closed"), "line"), swatch(SLOWED, _("road slowed"), "line"),
        swatch(STOPPED, _("stopped or closed"), "ring"),
        swatch(SLOWED, _("slowed, or vehicles out"), "ring"),
        html.escape(_("faded: not under way on the chosen day"))])


def _kind(code: str) -> str:
    return _(GOODS_HUB) if code == "goods_hub" else kind(TIERS, code)


def _colour(hit: list[int], stopped: np.ndarray, under_way: np.ndarray) -> list[int]:
    """Crimson where a disruption under way on the day stops it, orange where those under
    way only slow it; where none is under way, faded, as the worst of them."""
    now = [i for i in hit if under_way[i]]
    colour: Colour = STOPPED if stopped[now or hit].any() else SLOWED
    return [*colour, ON if now else FADED]


def _tip(head: str, hit: list[int], words: list[str]) -> str:
    return "\n".join([head, *(words[i] for i in hit)])
