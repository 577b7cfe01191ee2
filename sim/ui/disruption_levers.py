"""Disruptions a planner sets in the sidebar, as overrides of the scenario, and read back in
words.

An override of a list replaces the whole list (sim/scenario/overrides.py), so the one
disruption of a kind set by the levers is appended to the scenario's own of that kind and
the full list is written: a scenario that already has disruptions (rainstorm_2021) keeps
them, and the run, the comparison and the downloads see the lever as any other override.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import yaml
from babel.dates import format_skeleton

from sim.errors import ScenarioError
from sim.i18n import LANGUAGES, N_, _, language, number, percent
from sim.results.names import FLEETS, TIERS, kind, listed, spaced
from sim.scenario import LoadedScenario
from sim.scenario.areas import hours_since_start
from sim.scenario.yamlio import parse_yaml_text

PREFIX = "disruptions."
# what a lever disrupts -> the scenario's list it goes into
SECTIONS = {"facility": "facilities", "road": "roads", "closure": "closures",
            "fleet": "fleets", "arrivals": "arrivals"}
KINDS = {"facility": N_("Sorting lines down or slowed"),
         "road": N_("Roads closed or slowed"),
         "closure": N_("Village points or stations closed"),
         "fleet": N_("Vehicles out of service"),
         "arrivals": N_("Trunk inflow stopped")}
ROAD_CLASSES = {"expressway": N_("expressways"), "highway": N_("national and provincial roads"),
                "county": N_("county roads"), "village": N_("village roads")}


@dataclass(frozen=True)
class Disruption:
    """One disruption as the levers set it: what, where, when and how badly."""

    kind: str  # a key of SECTIONS
    start: dt.datetime
    hours: float
    counties: tuple[str, ...] = ()  # every county where empty
    townships: tuple[str, ...] = ()  # stations' names (closures), within `counties`
    targets: tuple[str, ...] = ()  # facility kinds, closed kinds or road classes
    fleet: str = ""
    left: float = 0.0  # share of rate, speed or vehicles left; 0: down or closed

    @property
    def end(self) -> dt.datetime:
        return self.start + dt.timedelta(hours=self.hours)


def item(disruption: Disruption) -> dict[str, Any]:
    """The disruption as an item of its scenario list (sim/scenario/disruptions.py)."""
    found: dict[str, Any] = {"start": f"{disruption.start:%Y-%m-%d %H:%M}",
                             "end": f"{disruption.end:%Y-%m-%d %H:%M}"}
    what = disruption.kind
    if disruption.counties and what != "arrivals":
        found["counties"] = list(disruption.counties)
    if what == "facility":
        found["kinds"] = list(disruption.targets)
        found.update({"down": True} if disruption.left <= 0 else
                     {"rate_factor": disruption.left})
    elif what == "road":
        found["road_classes"] = list(disruption.targets)
        found.update({"closed": True} if disruption.left <= 0 else
                     {"speed_factor": disruption.left})
    elif what == "closure":
        if disruption.townships:
            found["townships"] = list(disruption.townships)
        found["kinds"] = list(disruption.targets)
    elif what == "fleet":
        found.update({"fleet": disruption.fleet, "available": disruption.left})
    return found


def flow(value: Any) -> str:
    """A value as one line of YAML flow style, names left readable (not \\u-escaped)."""
    return yaml.safe_dump(value, default_flow_style=True, allow_unicode=True, sort_keys=False,
                          width=1_000_000).strip().removesuffix("...").strip()


def overrides(chosen: Sequence[Disruption], scenario: LoadedScenario) -> list[str]:
    """One override per scenario list a lever adds to: its own items, then the levers'."""
    lists: dict[str, list[dict[str, Any]]] = {}
    for disruption in chosen:
        section = SECTIONS[disruption.kind]
        if section not in lists:
            lists[section] = [own.model_dump(mode="json", exclude_defaults=True)
                              for own in getattr(scenario.config.disruptions, section)]
        lists[section].append(item(disruption))
    return [f"{PREFIX}{section}={flow(items)}" for section, items in lists.items()]


def own_count(scenario: LoadedScenario) -> int:
    """The disruptions the scenario itself schedules."""
    return len(scenario.config.disruptions.scheduled())


def days_to_see(scenario: LoadedScenario) -> int:
    """Days of demand a run needs for every scheduled disruption of the scenario to be over
    within them (0 where it schedules none)."""
    config = scenario.config
    ends = [hours_since_start(config, period.end) for period in config.disruptions.scheduled()]
    return max((math.ceil(end / 24.0) for end in ends), default=0)


# ------------------------------------------------------------------------------- words

def moment(when: dt.datetime) -> str:
    """A date and time as the language in force writes it ("3月4日 08:00", "Mar 4 08:00")."""
    day = format_skeleton("MMMd", when, locale=LANGUAGES[language()])
    return f"{day} {when:%H:%M}"


def setting_name(key: str) -> str:
    """A disruption list by the name the sidebar gives its kind."""
    section = key.removeprefix(PREFIX)
    found = next((what for what, name in SECTIONS.items() if name == section), None)
    shown = _(KINDS[found]) if found else spaced(section)
    return _("Disruptions: {kind}").format(kind=shown)


def setting_value(key: str, value: str) -> str:
    """A disruption list in words, item by item (by name where it has one); as written
    where it is not such a list."""
    section = key.removeprefix(PREFIX)
    try:
        items = parse_yaml_text(value, key)
    except ScenarioError:
        return value
    if section not in SECTIONS.values() or not isinstance(items, list) or not all(
            isinstance(one, Mapping) for one in items):
        return value
    try:
        return listed([one.get("name") or described(section, one) for one in items])
    except (KeyError, TypeError, ValueError):
        return value


def described(section: str, found: Mapping[str, Any]) -> str:
    """An unnamed item of a disruption list in words: where, what, when."""
    start = dt.datetime.fromisoformat(str(found["start"]))
    hours = (dt.datetime.fromisoformat(str(found["end"])) - start).total_seconds() / 3600
    when = _("from {start} for {hours} h").format(start=moment(start), hours=number(hours, 0))
    what = _what(section, found)
    places = found.get("townships") or found.get("counties") or []
    if not places:  # the whole network
        return _("{what}, {when}").format(what=what, when=when)
    return _("{what} in {where}, {when}").format(
        where=listed([str(place) for place in places]), what=what, when=when)


def _what(section: str, found: Mapping[str, Any]) -> str:
    if section == "facilities":
        kinds = listed([kind(TIERS, k) for k in found.get("kinds", [])]) or _("every facility")
        if found.get("down"):
            return _("sorting lines of the {kinds} down").format(kinds=kinds)
        return _("sorting lines of the {kinds} at {share} of their rate").format(
            kinds=kinds, share=percent(found.get("rate_factor", 1.0), 0))
    if section == "roads":
        classes = listed([road_class(c) for c in found.get("road_classes", [])]) or \
            _("every road")
        if found.get("closed"):
            return _("{roads} closed").format(roads=classes)
        return _("{roads} at {share} of their speed").format(
            roads=classes, share=percent(found.get("speed_factor", 1.0), 0))
    if section == "closures":
        return _("{kinds} closed").format(kinds=listed(
            [kind(TIERS, k) for k in found.get("kinds", ["point"])]))
    if section == "fleets":
        fleet = kind(FLEETS, str(found["fleet"]))
        if found.get("vehicles") is not None:
            return _("{fleet}: {count} vehicles out at each base").format(
                fleet=fleet, count=number(found["vehicles"]))
        return _("{fleet}: {share} of the vehicles in service").format(
            fleet=fleet, share=percent(found["available"], 0))
    return _(KINDS["arrivals"])


def road_class(code: str) -> str:
    """A road class by name (a scenario's own classes as words)."""
    return _(ROAD_CLASSES[code]) if code in ROAD_CLASSES else spaced(code)
