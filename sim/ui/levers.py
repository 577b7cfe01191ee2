"""The levers planners pull, as dotted overrides of the scenario: in the sidebar one at a
time, in the sweep over a list of values."""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sim.experiment.design import as_text, split_values
from sim.i18n import N_, _
from sim.results.names import FLEETS, MODES, TIERS, kind
from sim.scenario import LoadedScenario
from sim.scenario.models import FLEET_NAMES
from sim.ui import disruption_levers


@dataclass(frozen=True)
class Lever:
    key: str  # dotted scenario path
    label: str  # N_ (or already in the language in force, for a scenario's own places)
    low: float = 0.0
    high: float = 0.0
    step: float = 1.0
    integer: bool = True
    help: str = ""
    fleet: str = ""  # the fleet a fleet lever belongs to: named before it in a sweep
    choices: tuple[str, ...] = ()  # a lever of named values (operating modes)


class BadValues(ValueError):
    """Sweep values a lever cannot take; the message says which, in the language in force."""


def fleet_levers(fleet: str) -> list[Lever]:
    return [
        Lever(f"fleets.{fleet}.vehicles", N_("vehicles per base"), 1, 200, 1, fleet=fleet,
              help=N_("with size_for_load set, the smallest number per base")),
        Lever(f"fleets.{fleet}.capacity", N_("capacity (parcels)"), 1, 20_000, 10,
              fleet=fleet),
        Lever(f"fleets.{fleet}.departures_per_day", N_("departures per day"), 1, 24, 1,
              fleet=fleet, help=N_("spread evenly over the fleet's service window")),
    ]


SORTING_LEVERS = [
    Lever("facilities.hub.rate_per_h",
          N_("distribution centre: sorting rate (parcels/h per line)"), 1, 50_000, 10),
    Lever("facilities.park.rate_per_h",
          N_("county parks: sorting rate (parcels/h per line)"), 1, 50_000, 10),
    Lever("facilities.station.rate_per_h",
          N_("township stations: sorting rate (parcels/h per line)"), 1, 50_000, 10),
    Lever("facilities.hub.lines", N_("distribution centre: sorting lines"), 1, 16, 1),
    Lever("facilities.park.lines", N_("county parks: sorting lines"), 1, 16, 1),
    Lever("facilities.station.lines", N_("township stations: sorting lines"), 1, 16, 1),
]

RESIDENT_LEVERS = [
    Lever("pickup.mean_delay_h", N_("mean pickup delay (h of opening)"), 0.5, 72.0, 0.5,
          False),
    Lever("pickup.door_share", N_("share delivered to the door"), 0.0, 1.0, 0.05, False),
    Lever("facilities.point.shelf_slots", N_("shelf slots per village point"), 0, 2000, 10),
]

MODE_LEVERS = [
    Lever("operations.township", N_("township leg: operating mode"),
          choices=("joint", "separate", "bus")),
    Lever("operations.village", N_("village leg: operating mode"),
          choices=("joint", "separate", "bus", "station_pickup")),
]

VOLUME = Lever("demand.multiplier", N_("volume multiplier"), 0.1, 5.0, 0.1, False)
FLEET_LEVERS = [lever for fleet in FLEET_NAMES for lever in fleet_levers(fleet)]
# the levers every scenario has, by key (goods and sized fleets depend on the scenario)
EVERY_SCENARIO = {lever.key: lever for lever in [*FLEET_LEVERS, *MODE_LEVERS, *SORTING_LEVERS,
                                                 *RESIDENT_LEVERS, VOLUME]}


def goods_levers(scenario: LoadedScenario) -> list[Lever]:
    """Each cold-chain base's reefers and cold storage, and the stations' cold rooms,
    named by the base (in the language in force)."""
    jobs = {"collect": N_("{hub}: collection reefers"),
            "line_haul": N_("{hub}: line-haul reefers"),
            "distribute": N_("{hub}: distribution reefers")}
    found = []
    for hub in scenario.config.hubs:
        if hub.role != "cold_chain_base":
            continue
        name = hub.label or hub.name
        for job, spec in (("collect", hub.fleets.collect), ("line_haul", hub.fleets.line_haul),
                          ("distribute", hub.fleets.distribute)):
            if spec is not None:
                found.append(Lever(f"hubs.{hub.name}.fleets.{job}.vehicles",
                                   _(jobs[job]).format(hub=name), 0, 1000, 1))
        found.append(Lever(f"hubs.{hub.name}.cold_storage_pallets",
                           _("{hub}: cold storage (pallets)").format(hub=name), 0, 1_000_000,
                           50, False))
    if found:
        found.append(Lever("precooling.pallets", N_("cold room at each station (pallets)"), 0,
                           10_000, 1, False))
    return found


def sized_levers(scenario: LoadedScenario) -> list[Lever]:
    """The share of capacity each fleet sized for the load is sized at."""
    return [Lever(f"fleets.{fleet}.size_for_load", N_("sized for this share of capacity"),
                  0.01, 1.0, 0.05, False, fleet=fleet)
            for fleet in FLEET_NAMES
            if getattr(scenario.config.fleets, fleet).size_for_load is not None]


def sweepable(scenario: LoadedScenario) -> dict[str, Lever]:
    """Every lever a sweep may vary, by key: the sidebar's, the operating modes, and the
    scenario's cold-chain levers."""
    return {lever.key: lever for lever in [
        *FLEET_LEVERS, *sized_levers(scenario), *MODE_LEVERS, *SORTING_LEVERS, *RESIDENT_LEVERS,
        VOLUME, *goods_levers(scenario)]}


def title(lever: Lever) -> str:
    """A lever's name where nothing around it says which fleet it belongs to."""
    if lever.fleet:
        return _("{fleet}: {lever}").format(fleet=kind(FLEETS, lever.fleet), lever=_(lever.label))
    return _(lever.label)


def choice_name(value: str) -> str:
    """An operating mode by its name."""
    return kind(MODES, value)


def parse_values(lever: Lever, text: str) -> list[Any]:
    """Comma-separated sweep values of a lever, each checked for its kind; BadValues says
    which value is wrong and why."""
    values = split_values(text)
    if not values:
        raise BadValues(_("Give at least one value, separated by commas."))
    return [_value(lever, value) for value in values]


def _value(lever: Lever, text: str) -> Any:
    if lever.choices:
        if text not in lever.choices:
            raise BadValues(_("'{value}' is not one of: {choices}").format(
                value=text, choices=", ".join(lever.choices)))
        return text
    try:
        value = float(text)
    except ValueError:
        raise BadValues(_("'{value}' is not a number").format(value=text)) from None
    if not math.isfinite(value):
        raise BadValues(_("'{value}' is not a number").format(value=text))
    if lever.integer:
        if not value.is_integer():
            raise BadValues(_("'{value}' is not a whole number").format(value=text))
        return int(value)
    return value


def cannot_change(lever: Lever, scenario: LoadedScenario) -> str | None:
    """Why sweeping this lever may change nothing, if it may not: a fleet sized for the load
    takes `vehicles` only as a minimum."""
    if not lever.key.endswith(".vehicles") or not lever.fleet:
        return None
    sized = getattr(scenario.config.fleets, lever.fleet).size_for_load
    if sized is None:
        return None
    return _("{fleet} are sized for the load (size_for_load {share}): vehicles per base is "
             "only a minimum, and values below what that sizing gives a base change nothing "
             "there. Sweep the share they are sized for, or their capacity, instead.").format(
        fleet=kind(FLEETS, lever.fleet), share=as_text(sized))


def current(scenario: LoadedScenario, key: str) -> Any:
    """The scenario's value at a dotted key (departures_per_day: how many departures);
    list items such as hubs are named by their `name`."""
    node: Any = scenario.config
    *path, last = key.split(".")
    for part in path:
        node = next(item for item in node if item.name == part) if isinstance(node, list) \
            else getattr(node, part)
    if last == "departures_per_day":
        return len(node.departures)
    return getattr(node, last)


def overrides(chosen: Mapping[str, Any], scenario: LoadedScenario) -> list[str]:
    """`key=value` for every lever set to something other than the scenario's value."""
    changed = []
    for key, value in chosen.items():
        if value is None or value == current(scenario, key):
            continue
        changed.append(f"{key}={as_text(value)}")
    return changed


def parse_advanced(text: str) -> list[str]:
    """One dotted override per line; blank lines and # comments ignored."""
    lines = (line.split("#", 1)[0].strip() for line in text.splitlines())
    return [line for line in lines if line]


# the sidebar's settings that are not levers, by the names it shows them by
SETTINGS = {"run.days": N_("Days"), "run.seed": N_("Seed"), "run.start_date": N_("Start date"),
            "run.warmup_days": N_("Warm-up days"),
            "demand.events": N_("Calendar events (Double 11, 618)"),
            "operations.township": N_("Township leg (park to stations)"),
            "operations.village": N_("Village leg (station to villages)")}
SHIFTS = re.compile(r"facilities\.(hub|park|station)\.shifts")
SIZED = re.compile(r"fleets\.(\w+)\.size_for_load")


def setting_name(key: str) -> str:
    """A setting by the name the sidebar shows it by; a typed override as typed."""
    if key.startswith(disruption_levers.PREFIX):
        return disruption_levers.setting_name(key)
    if key in SETTINGS:
        return _(SETTINGS[key])
    shifts = SHIFTS.fullmatch(key)
    if shifts:
        return _("Shifts of the {tier}").format(tier=kind(TIERS, shifts.group(1)))
    sized = SIZED.fullmatch(key)
    if sized:
        return _("{fleet}: vehicles for this share of their capacity on an ordinary day"
                 ).format(fleet=kind(FLEETS, sized.group(1)))
    lever = EVERY_SCENARIO.get(key)
    return key if lever is None else title(lever)


def setting_value(key: str, value: str) -> str:
    """A setting's value as the sidebar shows it: modes by name, calendar events on or off,
    disruptions in words."""
    if key.startswith(disruption_levers.PREFIX):
        return disruption_levers.setting_value(key, value)
    lever = EVERY_SCENARIO.get(key)
    if key.startswith("operations.") or (lever is not None and lever.choices):
        return choice_name(value)
    if key == "demand.events" and value == "[]":
        return _("off")
    return value


def in_words(overrides: Sequence[str]) -> str:
    """Overrides as a planner reads them: "Days 5; Volume multiplier 1.5"."""
    return _("; ").join(_("{setting} {value}").format(
        setting=setting_name(key), value=setting_value(key, value))
        for key, _sign, value in (override.partition("=") for override in overrides))
