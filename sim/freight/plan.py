"""Where goods go: hubs placed on the road graph, each product's sources, each fleet's zones.

Sites are the parcel tree's nodes (0..n-1) followed by the scenario's hubs (n..n+h-1), all on
one road graph: each hub is linked to the gateway, the distribution centre and its two
nearest parks by roads derived from coordinates, like every other derived road.
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass
from functools import cached_property

import numpy as np

from sim.errors import ScenarioError
from sim.network import GATEWAY, HUB, PARK, POINT, STATION, Network, Tree, ordered_loop
from sim.network.roads import Leg, Roads, great_circle_km
from sim.scenario.goods import FreightFleet, Hub, Product
from sim.scenario.loader import LoadedScenario
from sim.scenario.models import NetworkSettings

JOBS = ("line_haul", "collect", "distribute")
HUB_PARK_LINKS = 2


@dataclass(frozen=True)
class Zone:
    """One trip a vehicle can make from its hub: through `stops` in order and back."""

    name: str
    stops: np.ndarray  # sites in visiting order
    leg_km: np.ndarray  # hub->stop1, ..., stopk->hub
    leg_hours: np.ndarray  # at the fleet's top speed and road-class speeds

    @cached_property
    def loop_km(self) -> float:
        return float(self.leg_km.sum())


@dataclass(frozen=True)
class FleetPlan:
    hub: int  # index into GoodsPlan.hubs
    job: str  # one of JOBS
    spec: FreightFleet
    zones: list[Zone]
    hub_name: str

    @property
    def name(self) -> str:
        return f"{self.job}:{self.hub_name}"


@dataclass(frozen=True)
class Sources:
    """Where one product's lots start and end, one row per place that makes them."""

    origin: np.ndarray  # int32 sites
    destination: np.ndarray  # int32 sites
    hub: np.ndarray  # int32 hub through which they pass
    key: np.ndarray  # object: the id naming each place's random stream


@dataclass(frozen=True)
class GoodsPlan:
    hubs: list[Hub]
    hub_site: np.ndarray  # int32, site of each hub
    site_names: np.ndarray  # object, id of each site (node id or hub name)
    site_county: np.ndarray  # object, county of each site ("" for hubs and the gateway)
    precool_site: np.ndarray  # int32 per site: where its farm products are pre-cooled, or -1
    township: np.ndarray  # int32 per site: a point's station (the zone of its deliveries)
    first_mile_km: np.ndarray  # per site: road km from a point to its pre-cooling room
    products: list[Product]
    sources: list[Sources]
    fleets: list[FleetPlan]
    gateway: int


def build_plan(scenario: LoadedScenario, network: Network) -> GoodsPlan:
    """Resolve the scenario's hubs and products onto the network; ScenarioError if they do
    not fit it (an unknown county, a county no base serves, a missing fleet)."""
    config = scenario.config
    tree = network.tree
    file = scenario.label()
    counties = sorted({c for c in tree.county.tolist() if c})
    hubs = config.hubs
    base_of = _bases(hubs, counties, file)
    roads = _roads_with_hubs(network, hubs, config.network)
    n = tree.size
    hub_site = np.arange(n, n + len(hubs), dtype=np.int32)
    gateway = int(tree.of_level(GATEWAY)[0])
    precool_level = PARK if config.precooling.at == "park" else STATION
    precool = np.full(n + len(hubs), -1, dtype=np.int32)
    precool[:n] = np.where(tree.level >= STATION, tree.ancestors[precool_level], -1)
    township = np.full(n + len(hubs), -1, dtype=np.int32)
    township[:n] = np.where(tree.level == POINT, tree.ancestors[STATION], -1)
    points = tree.of_level(POINT)
    sources = [_sources(i, p, tree, points, hubs, base_of, hub_site, gateway, file)
               for i, p in enumerate(config.products)]
    site_names = np.concatenate([tree.ids, [h.name for h in hubs]]).astype(object)
    growers = np.unique(np.concatenate(
        [s.origin for p, s in zip(config.products, sources, strict=True) if p.flow == "up"]
        or [np.empty(0, dtype=np.int32)]))
    fleets = _fleets(hubs, config.products, sources, roads, hub_site, gateway, precool,
                     township, site_names, file)
    return GoodsPlan(
        hubs=list(hubs), hub_site=hub_site, site_names=site_names,
        site_county=np.concatenate([tree.county, [""] * len(hubs)]).astype(object),
        precool_site=precool, township=township,
        first_mile_km=_first_mile_km(roads, precool, growers, n + len(hubs)),
        products=list(config.products),
        sources=sources, fleets=fleets, gateway=gateway,
    )


def _bases(hubs: list[Hub], counties: list[str], file: str) -> dict[str, int]:
    """The cold-chain base serving each county."""
    base_of = {}
    for index, hub in enumerate(hubs):
        for county in hub.serves:
            if county not in counties:
                raise ScenarioError(file, f"hubs.{index}.serves",
                                    f"unknown county {county!r} (known: {', '.join(counties)})")
            base_of[county] = index
    return base_of


def _roads_with_hubs(network: Network, hubs: list[Hub], settings: NetworkSettings) -> Roads:
    """The parcel network's roads plus a derived road from each hub to the gateway, the
    distribution centre and its nearest parks."""
    tree, roads = network.tree, network.roads
    classes = settings.derive.link_classes
    default = roads.class_names[0]
    parks = tree.of_level(PARK)
    links = []
    for index, hub in enumerate(hubs):
        site = tree.size + index
        km_to = settings.derive.circuity * great_circle_km(hub.lon, hub.lat, tree.lon, tree.lat)
        near_parks = parks[np.argsort(km_to[parks], kind="stable")[:HUB_PARK_LINKS]]
        ends = [(node, classes.get("hub", default)) for node in tree.of_level(GATEWAY)]
        ends += [(node, classes.get("hub", default)) for node in tree.of_level(HUB)]
        ends += [(node, classes.get("park", default)) for node in near_parks]
        links += [(site, int(node), max(float(km_to[node]), 0.01), road_class)
                  for node, road_class in ends]
    return Roads(roads.graph, roads.class_names, roads.class_speed, [*roads.links, *links])


def _sources(index: int, product: Product, tree: Tree, points: np.ndarray, hubs: list[Hub],
             base_of: dict[str, int], hub_site: np.ndarray, gateway: int,
             file: str) -> Sources:
    field = f"products.{index}"
    if product.flow in ("out", "in"):
        names = [h.name for h in hubs]
        hub = np.array([names.index(name) for name in product.hubs], dtype=np.int32)
        here = hub_site[hub]
        there = np.full(len(hub), gateway, dtype=np.int32)
        origin, destination = (here, there) if product.flow == "out" else (there, here)
        return Sources(origin, destination, hub, np.array(product.hubs, dtype=object))
    known = sorted(base_of)
    for county in product.counties:
        if county not in set(tree.county.tolist()) - {""}:
            raise ScenarioError(file, f"{field}.counties", f"unknown county {county!r}")
        if county not in base_of:
            raise ScenarioError(file, f"{field}.counties",
                                f"no cold-chain base serves {county!r} (served: "
                                f"{', '.join(known) or 'none'}); add it to a hub's `serves`")
    makers = points if product.per == "village" else tree.of_level(STATION)
    places = makers[np.isin(tree.county[makers], product.counties)]
    if product.flow == "down":
        places = places[_has_freezer(tree.ids[places], product.freezer_share)]
    hub = np.array([base_of[c] for c in tree.county[places]], dtype=np.int32)
    there = np.full(len(places), gateway, dtype=np.int32)
    places = places.astype(np.int32)
    origin, destination = (places, there) if product.flow == "up" else (there, places)
    return Sources(origin, destination, hub, tree.ids[places].astype(object))


def _first_mile_km(roads: Roads, precool: np.ndarray, growers: np.ndarray,
                   sites: int) -> np.ndarray:
    """Road km from each growing village to its pre-cooling room."""
    km = np.zeros(sites)
    rooms = np.unique(precool[growers])
    if not len(rooms):
        return km
    _, predecessors = roads.shortest_from(rooms)
    row = {int(room): number for number, room in enumerate(rooms)}
    for village in growers:
        room = int(precool[village])
        km[village] = roads.leg(predecessors[row[room]], room, int(village)).km
    return km


def _has_freezer(ids: np.ndarray, share: float) -> np.ndarray:
    """A fixed rule per point id, so the same points have freezers in every run."""
    draws = np.array([zlib.crc32(f"freezer:{i}".encode()) / 2**32 for i in ids])
    return draws < share


def _fleets(hubs: list[Hub], products: list[Product], sources: list[Sources], roads: Roads,
            hub_site: np.ndarray, gateway: int, precool: np.ndarray, township: np.ndarray,
            site_names: np.ndarray, file: str) -> list[FleetPlan]:
    """Each hub's fleets and the zones they serve: the gateway for line haul, pre-cooling
    rooms for collection, townships' freezer points for distribution."""
    plans = []
    for index, hub in enumerate(hubs):
        site = int(hub_site[index])
        _, predecessors = roads.shortest_from([site])
        wanted: dict[str, list[int]] = {"collect": [], "distribute": []}
        for product, source in zip(products, sources, strict=True):
            mine = source.hub == index
            if product.flow == "up":
                wanted["collect"] += precool[source.origin[mine]].tolist()
            elif product.flow == "down":
                wanted["distribute"] += source.destination[mine].tolist()
        for job in JOBS:
            spec = getattr(hub.fleets, job)
            if job != "line_haul" and wanted[job] and spec is None:
                raise ScenarioError(file, f"hubs.{index}.fleets.{job}",
                                    f"required: {hub.name} serves counties whose goods need it")
            if spec is None:
                continue
            if job == "line_haul":
                zones = [_shuttle(roads, predecessors[0], site, gateway, "gateway", spec)]
            elif job == "collect":
                zones = [_shuttle(roads, predecessors[0], site, room, str(site_names[room]),
                                  spec)
                         for room in sorted(set(wanted[job]))]
            else:
                zones = _tours(roads, site, np.array(sorted(set(wanted[job])), dtype=np.int64),
                           township,
                               site_names, spec)
            plans.append(FleetPlan(hub=index, job=job, spec=spec, zones=zones,
                                   hub_name=hub.name))
    return plans


def _shuttle(roads: Roads, predecessors: np.ndarray, site: int, stop: int, name: str,
             spec: FreightFleet) -> Zone:
    leg = roads.leg(predecessors, site, stop)
    return _zone(name, np.array([stop]), [leg, leg], roads, spec)


def _tours(roads: Roads, site: int, points: np.ndarray, township: np.ndarray,
           site_names: np.ndarray, spec: FreightFleet) -> list[Zone]:
    """One milk run per township through its freezer points."""
    zones = []
    from_hub = roads.shortest_from([site])
    for station in np.unique(township[points]):
        members = points[township[points] == station]
        among = roads.shortest_among(members, reach=[site])  # a township is small, its hub far
        hours, predecessors = (np.vstack(rows) for rows in zip(from_hub, among, strict=True))
        position = {int(node): row for row, node in enumerate([site, *members.tolist()])}
        stops, legs = ordered_loop(roads, hours, predecessors, position, site, members)
        zones.append(_zone(str(site_names[station]), stops, legs, roads, spec))
    return zones


def _zone(name: str, stops: np.ndarray, legs: list[Leg], roads: Roads,
          spec: FreightFleet) -> Zone:
    return Zone(name=name, stops=stops.astype(np.int32),
                leg_km=np.array([leg.km for leg in legs]),
                leg_hours=np.array([leg.hours(roads.class_speed, spec.speed_kmh)
                                    for leg in legs]))
