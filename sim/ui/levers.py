"""The levers planners pull, as dotted overrides of the scenario."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sim.experiment.design import as_text
from sim.scenario import LoadedScenario
from sim.scenario.models import FLEET_NAMES

FLEET_LABELS = {"trunk": "Trunk (gateway to hub)", "line_haul": "Line haul (hub to parks)",
                "township": "Township vans (park to stations)",
                "village": "Village vans (station to villages)",
                "courier": "County-seat couriers"}


@dataclass(frozen=True)
class Lever:
    key: str  # dotted scenario path
    label: str
    low: float
    high: float
    step: float
    integer: bool = True
    help: str = ""


def fleet_levers(fleet: str) -> list[Lever]:
    return [
        Lever(f"fleets.{fleet}.vehicles", "vehicles per base", 1, 200, 1,
              help="with size_for_load set, the smallest number per base"),
        Lever(f"fleets.{fleet}.capacity", "capacity (parcels)", 1, 20_000, 10),
        Lever(f"fleets.{fleet}.departures_per_day", "departures per day", 1, 24, 1,
              help="spread evenly over the fleet's service window"),
    ]


SORTING_LEVERS = [
    Lever(f"facilities.{kind}.rate_per_h", f"{kind} sorting rate (parcels/h per line)", 1,
          50_000, 10)
    for kind in ("hub", "park", "station")
] + [Lever(f"facilities.{kind}.lines", f"{kind} sorting lines", 1, 16, 1)
     for kind in ("hub", "park", "station")]

RESIDENT_LEVERS = [
    Lever("pickup.mean_delay_h", "mean pickup delay (open hours)", 0.5, 72.0, 0.5, False),
    Lever("pickup.door_share", "share delivered to the door", 0.0, 1.0, 0.05, False),
    Lever("facilities.point.shelf_slots", "shelf slots per village point", 0, 2000, 10),
]

SWEEPABLE = {lever.key: lever for lever in [
    *(lever for fleet in FLEET_NAMES for lever in fleet_levers(fleet)),
    *SORTING_LEVERS, *RESIDENT_LEVERS,
    Lever("demand.multiplier", "volume multiplier", 0.1, 5.0, 0.1, False),
]}


def goods_levers(scenario: LoadedScenario) -> list[Lever]:
    """Each cold-chain base's reefers and cold storage, and the stations' cold rooms."""
    found = []
    for hub in scenario.config.hubs:
        if hub.role != "cold_chain_base":
            continue
        for job, spec in (("collect", hub.fleets.collect), ("line_haul", hub.fleets.line_haul),
                          ("distribute", hub.fleets.distribute)):
            if spec is not None:
                found.append(Lever(f"hubs.{hub.name}.fleets.{job}.vehicles",
                                   f"{hub.name}: {job} reefers", 0, 1000, 1))
        found.append(Lever(f"hubs.{hub.name}.cold_storage_pallets",
                           f"{hub.name}: cold storage (pallets)", 0, 1_000_000, 50, False))
    if found:
        found.append(Lever("precooling.pallets", "cold room at each station (pallets)", 0,
                           10_000, 1, False))
    return found


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
