"""The disruption levers of the sidebar: what goes wrong, where, when and how badly.

One switch per kind of disruption (a sorting line, roads, closed points, vehicles out, the
trunk's inflow); a kind switched on shows where (counties as the node table names them, or
all; townships for closures), when (a date and hour within the run, and how many hours) and
how badly, where that applies. The values live in a lever group like every other lever's.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace

import pandas as pd
import streamlit as st

from sim.i18n import _, number
from sim.results.names import FLEETS, TIERS, kind
from sim.scenario import LoadedScenario
from sim.scenario.sizes import node_counties
from sim.ui.disruption_levers import (
    KINDS,
    SECTIONS,
    Disruption,
    days_to_see,
    moment,
    own_count,
    road_class,
)
from sim.ui.groups import kept, lever_group

FACILITY_TIERS = ("park", "station", "hub")
CLOSED_TIERS = ("point", "station")
FIRST_HOUR = 8  # a disruption starts at 08:00 of the first measured day unless moved
HOURS = 12  # and lasts this long
MOST_HOURS = 24 * 30


@dataclass(frozen=True)
class Span:
    """The days a disruption may start on: the run's, its days without new parcels too."""

    first: dt.date
    last: dt.date
    default: dt.datetime  # where a new disruption starts

    def clamp(self, start: dt.datetime) -> dt.datetime:
        day = min(max(start.date(), self.first), self.last)
        return dt.datetime.combine(day, start.time())


def span(scenario: LoadedScenario, start: dt.date, days: int) -> Span:
    run = scenario.config.run
    last = start + dt.timedelta(days=days + run.drain_days - 1)
    first_measured = start + dt.timedelta(days=min(run.warmup_days, days - 1))
    return Span(start, last, dt.datetime.combine(first_measured, dt.time(FIRST_HOUR)))


def places(scenario: LoadedScenario) -> pd.DataFrame:
    """The node table's stations and counties: id, name, kind, county."""
    nodes = scenario.nodes
    return pd.DataFrame({"id": nodes["id"].astype(str), "name": nodes["name"].fillna(""),
                         "kind": nodes["kind"], "county": node_counties(nodes)})


def disruption_levers(scenario: LoadedScenario, label: str, start: dt.date,
                      days: int) -> list[Disruption]:
    """The disruptions switched on, each within the run of `days` from `start`."""
    group = lever_group(_("Disruptions"), "disruptions")
    within = span(scenario, start, days)
    if group.open:
        with group:
            said = _("Switch on what goes wrong; the run is compared with the same run "
                     "undisrupted.")
            if own_count(scenario):
                said += " " + _("This scenario has {count} disruptions of its own; these "
                                "are added to them.").format(count=number(own_count(scenario)))
            st.caption(said)
    table = places(scenario) if group.open else None  # only drawn levers read it
    chosen = []
    for what in SECTIONS:
        key = f"{label}:disruption:{what}"
        found = kept(group, key, None, lambda now, what=what, key=key: draw(
            what, now, scenario, table, key, within))
        if found is not None:
            chosen.append(replace(found, start=within.clamp(found.start)))
    return chosen


def days_note(scenario: LoadedScenario, start: dt.date, days: int) -> str:
    """Why the scenario's own disruptions may not all show in a run of `days` from `start`
    (empty where they do)."""
    needed = days_to_see(scenario)
    run = scenario.config.run
    if days >= needed or start != run.start_date:
        return ""
    end = dt.datetime.combine(run.start_date, dt.time()) + dt.timedelta(days=needed)
    return _("This scenario's disruptions last until {when}: run it for {days} days or more "
             "to see them all and the recovery.").format(when=moment(end), days=needed)


def draw(what: str, now: Disruption | None, scenario: LoadedScenario,
         table: pd.DataFrame | None, key: str, within: Span) -> Disruption | None:
    """A kind's switch and, while on, its where, when and how badly."""
    if not st.checkbox(_(KINDS[what]), now is not None, key=f"{key}:on"):
        return None
    now = now or Disruption(what, within.default, HOURS, targets=_default_targets(
        what, scenario), fleet=_default_fleet(scenario), left=0.5 if what == "fleet" else 0.0)
    with st.container(border=True):
        found = _where(what, now, scenario, places(scenario) if table is None else table, key)
        day = st.date_input(_("Starts on"), within.clamp(now.start).date(), within.first,
                            within.last, key=f"{key}:day:{within.first}:{within.last}")
        hour = st.time_input(_("at"), now.start.time(), key=f"{key}:hour",
                             step=dt.timedelta(hours=1))
        hours = st.number_input(_("Lasts (hours)"), 1, MOST_HOURS, int(now.hours), 1,
                                key=f"{key}:hours")
        found = replace(found, start=dt.datetime.combine(day, hour), hours=float(hours))
        if what in ("facility", "road"):
            left = st.slider(_("Capacity left (0%: down)") if what == "facility" else
                             _("Speed left (0%: closed)"), 0, 90, round(now.left * 100), 10,
                             format="%d%%", key=f"{key}:left")
            found = replace(found, left=left / 100)
        elif what == "fleet":
            left = st.slider(_("Vehicles still in service"), 10, 90, round(now.left * 100), 10,
                             format="%d%%", key=f"{key}:left")
            found = replace(found, left=left / 100)
    return found


def _default_targets(what: str, scenario: LoadedScenario) -> tuple[str, ...]:
    if what == "facility":
        return ("park",)
    if what == "closure":
        return ("point",)
    if what == "road":
        classes = list(scenario.config.network.road_classes)
        return ("village",) if "village" in classes else tuple(classes[-1:])
    return ()


def _default_fleet(scenario: LoadedScenario) -> str:
    fleets = list(scenario.config.fleets.by_name())
    return "village" if "village" in fleets else fleets[0]


def _where(what: str, now: Disruption, scenario: LoadedScenario, table: pd.DataFrame,
           key: str) -> Disruption:
    """Which facilities, roads, places or vehicles, and in which counties."""
    targets, fleet = now.targets, now.fleet
    if what == "facility":
        tier = st.selectbox(_("Which facilities"), FACILITY_TIERS,
                            FACILITY_TIERS.index(targets[0]) if targets else 0,
                            format_func=lambda code: kind(TIERS, code), key=f"{key}:tier")
        targets = (tier,)
    elif what == "road":
        classes = list(scenario.config.network.road_classes)
        targets = tuple(st.multiselect(
            _("Which roads"), classes, [c for c in targets if c in classes],
            format_func=road_class, key=f"{key}:classes", placeholder=_("every road")))
    elif what == "closure":
        targets = tuple(st.multiselect(
            _("What closes"), CLOSED_TIERS, [t for t in targets if t in CLOSED_TIERS],
            format_func=lambda code: kind(TIERS, code), key=f"{key}:kinds")) or ("point",)
    elif what == "fleet":
        fleets = list(scenario.config.fleets.by_name())
        fleet = st.selectbox(_("Which fleet"), fleets,
                             fleets.index(fleet) if fleet in fleets else 0,
                             format_func=lambda code: kind(FLEETS, code), key=f"{key}:fleet")
    if what == "arrivals" or targets == ("hub",):  # one place, in no county
        return replace(now, targets=targets, fleet=fleet, counties=(), townships=())
    counties = sorted(c for c in set(table["county"]) if c)
    chosen = st.multiselect(_("In which counties"), counties,
                            [c for c in now.counties if c in counties], key=f"{key}:counties",
                            placeholder=_("every county"))
    townships: tuple[str, ...] = ()
    if what == "closure":
        chosen, townships = _townships(table, chosen, now.townships, key)
    return replace(now, targets=targets, fleet=fleet, counties=tuple(chosen),
                   townships=townships)


def _townships(table: pd.DataFrame, counties: list[str], named: tuple[str, ...],
               key: str) -> tuple[list[str], tuple[str, ...]]:
    """Townships to close, picked among the chosen counties' stations (all where none are
    chosen); named as the node table names them, with their counties as the scope, so a name
    that repeats in another county is not closed there."""
    stations = table[(table["kind"] == "station")
                     & (table["county"].isin(counties) if counties else True)]
    label = {row.id: _("{place} ({county})").format(place=row.name, county=row.county)
             if not counties or len(counties) > 1 else row.name
             for row in stations.itertuples(index=False)}
    ids = list(label)
    before = [i for i, name in zip(stations["id"], stations["name"], strict=True)
              if name in named]
    picked = st.multiselect(_("In which townships"), ids, before, format_func=label.get,
                            key=f"{key}:townships:{','.join(counties)}",
                            placeholder=_("every township"))
    hit = stations[stations["id"].isin(picked)]
    return (counties or sorted(set(hit["county"])),
            tuple(dict.fromkeys(hit["name"])))
