"""The scenario schema: every input the model reads, typed and checked by pydantic.

Unknown keys are errors everywhere (`extra="forbid"`), so a typo never silently falls back to
a default. Units are in the field names: `_h` hours, `_kmh` km/h, `_s` seconds.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

from pydantic import (
    BeforeValidator,
    Field,
    field_validator,
    model_validator,
)

from sim.scenario.base import (
    Co2PerKm,
    Money,
    Parcels,
    Population,
    RatePerHour,
    SecondsPerParcel,
    Share,
    Slots,
    Speed,
    Strict,
    WorkHours,
)
from sim.scenario.disruptions import Disruptions
from sim.scenario.goods import Hub, Precooling, Product
from sim.scenario.timeofday import TimeOfDay, Timetable, Window

ALL_DAY: list[tuple[float, float]] = [(0.0, 24.0)]

NodeKind = Literal["gateway", "hub", "park", "station", "point"]
NODE_KINDS: tuple[str, ...] = ("gateway", "hub", "park", "station", "point")
# Where residents' parcels end (downward) or start (upward): the park serves the county seat,
# a station its township town, a point its village.
SERVED_TIERS: tuple[str, ...] = ("park", "station", "point")
FLEET_NAMES: tuple[str, ...] = ("trunk", "line_haul", "township", "village", "courier")
BUS_FLEETS: tuple[str, ...] = ("bus_township", "bus_village")


class RunSettings(Strict):
    start_date: dt.date = Field(description="calendar date of day 0 (events are matched to it)")
    days: int = Field(ge=1, le=3660, description="days with demand")
    warmup_days: int = Field(0, ge=0, le=3659, description="first days left out of the KPIs")
    drain_days: float = Field(
        3.0, ge=0, le=60, description="days simulated after demand stops, so late parcels finish"
    )
    seed: int = Field(0, ge=0, lt=2**63, description="root of every random stream")
    replication: int = Field(
        0, ge=0, lt=2**31, description="which replication of the seed (set by --reps)"
    )
    max_parcels: int = Field(
        100_000_000, ge=1, description="refuse scenarios expected to make more parcels (memory)"
    )

    @model_validator(mode="after")
    def _warmup_inside_run(self) -> RunSettings:
        if self.warmup_days >= self.days:
            raise ValueError(f"warmup_days ({self.warmup_days}) must be below days ({self.days})")
        return self


class RoadClass(Strict):
    speed_kmh: Speed


class RoadDerivation(Strict):
    """How roads are made from coordinates when no road table is given."""

    circuity: float = Field(1.3, ge=1, le=5, description="road km per great-circle km")
    sibling_links: int = Field(
        2, ge=0, le=20, description="extra roads from each node to its nearest siblings"
    )
    link_classes: dict[str, str] = Field(
        default_factory=lambda: {
            "hub": "expressway",
            "park": "highway",
            "station": "county",
            "point": "village",
        },
        description="road class of the road from a node of this kind to its parent and siblings",
    )


def _default_road_classes() -> dict[str, RoadClass]:
    speeds = {"expressway": 80.0, "highway": 60.0, "county": 45.0, "village": 30.0}
    return {name: RoadClass(speed_kmh=speed) for name, speed in speeds.items()}


class NetworkSettings(Strict):
    nodes: str = Field(description="CSV table of nodes, relative to the scenario file")
    roads: str | None = Field(None, description="CSV table of roads; derived when absent")
    derive: RoadDerivation = Field(default_factory=RoadDerivation)
    road_classes: dict[str, RoadClass] = Field(default_factory=_default_road_classes)
    travel_noise_cv: float = Field(
        0.1, ge=0, le=2, allow_inf_nan=False, description="lognormal spread of each leg's time"
    )

    @model_validator(mode="after")
    def _classes_known(self) -> NetworkSettings:
        for kind, road_class in self.derive.link_classes.items():
            if kind not in NODE_KINDS:
                raise ValueError(f"derive.link_classes: unknown node kind {kind!r}")
            if road_class not in self.road_classes:
                raise ValueError(
                    f"derive.link_classes.{kind}: unknown road class {road_class!r}"
                    f" (known: {', '.join(sorted(self.road_classes))})"
                )
        return self


class Sorting(Strict):
    """A facility's sorting line: constant rate while a shift is on."""

    rate_per_h: RatePerHour = Field(description="parcels sorted per working hour, per line")
    lines: int = Field(1, ge=1, le=64, description="parallel lines sharing one FIFO queue")
    service: Literal["constant", "exponential"] = Field(
        "constant", description="service time per parcel: 1/rate, or exponential with that mean"
    )
    shifts: list[Window] = Field(default_factory=lambda: list(ALL_DAY), min_length=1)
    handling_cost: Money = Field(0.0, description="cost per parcel handled")


class StationSpec(Sorting):
    opening_hours: list[Window] = Field(
        default_factory=lambda: list(ALL_DAY),
        min_length=1,
        description="when town residents can collect parcels at the station",
    )


class PointSpec(Strict):
    shelf_slots: Slots = Field(description="parcels a village point can hold at once")
    opening_hours: list[Window] = Field(default_factory=lambda: list(ALL_DAY), min_length=1)


class Facilities(Strict):
    hub: Sorting
    park: Sorting
    station: StationSpec
    point: PointSpec


class Fleet(Strict):
    """Vehicles based at each node of one tier, running loops to the tier below."""

    vehicles: int = Field(ge=1, le=1000, description="vehicles based at each base node")
    size_for_load: float | None = Field(
        None, ge=0.01, le=1, allow_inf_nan=False,
        description="if set, each base gets enough vehicles to carry an ordinary day's parcels"
        " at this share of capacity (never fewer than `vehicles`)",
    )
    capacity: Parcels = Field(description="parcels per vehicle")
    loop_per_stop: bool = Field(
        False, description="each stop its own loop with its own vehicles (sized for that"
        " stop's load): a city's trunk trucks serve only its hub, so cities run apart")
    speed_kmh: Speed = Field(description="top speed; roads may be slower")
    departures: Timetable = Field(default_factory=list, description="daily cut-off times")
    departures_per_day: int | None = Field(
        None, ge=1, le=96,
        description="if set, replaces `departures` with this many evenly spaced over"
        " `service_window`",
    )
    service_window: Window = Field((6.0, 18.0), description="span of `departures_per_day`")
    dispatch: Literal["cutoff", "cutoff_or_full"] = Field(
        "cutoff", description="leave at the cut-off, or earlier as soon as a vehicle is full"
    )
    load_h: WorkHours = Field(0.25, description="fixed time to load at the base")
    load_s_per_parcel: SecondsPerParcel = 0.0
    stop_h: WorkHours = Field(0.1, description="fixed dwell at each stop")
    stop_s_per_parcel: SecondsPerParcel = 0.0
    cost_per_km: Money = 0.0
    cost_per_vehicle_day: Money = 0.0
    cost_per_parcel: Money = Field(0.0, description="fee per parcel carried")
    co2_kg_per_km: Co2PerKm = Field(0.0, description="emission factor of the vehicle type")
    shared_km: bool = Field(
        False, description="the vehicles run anyway (a passenger bus): their km and CO2 are "
        "not the parcels'; parcels pay `cost_per_parcel`")

    @model_validator(mode="after")
    def _timetable(self) -> Fleet:
        if self.departures_per_day is not None:
            start, end = self.service_window
            span = (end - start) % 24.0 or 24.0
            count = self.departures_per_day
            step = span / count if span == 24.0 else span / max(count - 1, 1)
            self.departures = sorted({round((start + i * step) % 24.0, 6) for i in range(count)})
        if not self.departures:
            raise ValueError("give `departures` (a list of times) or `departures_per_day`")
        return self


class CourierFleet(Fleet):
    """County-seat door delivery from the park: rounds of `round_h` hours."""

    round_h: float = Field(gt=0, le=24, allow_inf_nan=False,
                           description="length of one delivery round in the county seat")
    stop_h: WorkHours = 0.0


class Fleets(Strict):
    trunk: Fleet = Field(description="gateway -> hubs")
    line_haul: Fleet = Field(description="hub -> county parks")
    township: Fleet = Field(description="park -> township stations")
    village: Fleet = Field(description="station -> village points")
    courier: CourierFleet = Field(description="park -> county-seat doors")
    bus_township: Fleet | None = Field(None, description="bus lines county seat -> townships")
    bus_village: Fleet | None = Field(None, description="bus lines township -> villages")

    def by_name(self) -> dict[str, Fleet]:
        fleets = {name: getattr(self, name) for name in FLEET_NAMES}
        for name in BUS_FLEETS:
            if getattr(self, name) is not None:
                fleets[name] = getattr(self, name)
        return fleets


TownshipMode = Literal["joint", "separate", "bus"]
VillageMode = Literal["joint", "separate", "bus", "station_pickup"]


class LegModes(Strict):
    """How the township leg (park -> stations) and the village leg are run."""

    township: TownshipMode | None = None
    village: VillageMode | None = None


class Operations(Strict):
    """Operating modes: the defaults, overridden per county and then per township."""

    township: TownshipMode = Field(
        "joint", description="joint: one shared fleet; separate: each carrier its own vans;"
        " bus: parcels ride the county's bus lines")
    village: VillageMode = Field(
        "joint", description="as township, or station_pickup: no village run, villagers "
        "collect at the township station")
    counties: dict[str, LegModes] = Field(default_factory=dict)
    townships: dict[str, LegModes] = Field(default_factory=dict)


class Carrier(Strict):
    name: str = Field(min_length=1, max_length=40, pattern=r"^[^.=\s]+( [^.=\s]+)*$")
    label: str = Field("", max_length=100,
                       description="its name as planners know it (中国邮政), for reports")
    share: float = Field(gt=0, le=1e12, allow_inf_nan=False, description="market share (shares"
                         " are normalised to sum to 1, so yearly volumes do as well)")
    line_haul_departures: list[TimeOfDay] | None = Field(
        None, description="the carrier's own trucks hub -> parks (else the shared line haul)")


class CalendarEvent(Strict):
    name: str
    start: dt.date
    end: dt.date
    multiplier: float = Field(ge=0, le=100, allow_inf_nan=False,
                              description="volume factor on these days (Double 11 is 1.5-1.9)")

    @model_validator(mode="after")
    def _ordered(self) -> CalendarEvent:
        if self.end < self.start:
            raise ValueError(f"event {self.name!r} ends ({self.end}) before it starts")
        return self


# Hourly weights, normalised: only their ratios matter.
Weight = Annotated[float, Field(ge=0, le=1e6, allow_inf_nan=False)]
DayProfile = Annotated[list[Weight], Field(min_length=24, max_length=24)]
# Parcels per resident a day: China's average is about 0.25.
PerResidentDay = Annotated[float, Field(ge=0, le=100, allow_inf_nan=False)]


class Demand(Strict):
    multiplier: float = Field(
        1.0, ge=0, le=100_000, allow_inf_nan=False,
        description="scales every flow (Double 11 is 1.5-1.9); the capacity search doubles it"
        " up to 10,000, and the parcel limits bound the volume")
    down_per_resident_day: PerResidentDay = Field(description="parcels to each resident per day")
    up_per_resident_day: PerResidentDay = Field(
        description="parcels sent by each resident per day")
    down_profile: DayProfile = Field(description="hourly weights of arrivals at the gateway")
    up_profile: DayProfile = Field(description="hourly weights of drop-offs by residents")
    events: list[CalendarEvent] = Field(default_factory=list)

    @field_validator("down_profile", "up_profile")
    @classmethod
    def _some_weight(cls, profile: list[float]) -> list[float]:
        if sum(profile) <= 0:
            raise ValueError("the 24 hourly weights must not all be zero")
        return profile


class Pickup(Strict):
    """How residents collect parcels from a point or station shelf."""

    mean_delay_h: float = Field(
        gt=0, le=720, allow_inf_nan=False,
        description="mean open hours from arrival to pickup (a month at most: points send"
        " unclaimed parcels back long before)")
    distribution: Literal["exponential", "lognormal", "fixed"] = "exponential"
    cv: float = Field(1.0, gt=0, le=10, allow_inf_nan=False,
                      description="coefficient of variation (lognormal only)")
    door_share: Share = Field(0.0, description="share of parcels delivered to the door")
    door_delivery_h: WorkHours = Field(
        1.0, description="door deliveries reach the resident within this time of the stop"
    )
    villager_speed_kmh: Speed = Field(
        15.0, description="villagers' speed to the township station (station_pickup mode)")


# A lead-time target in hours: up to a year.
TargetHours = Annotated[float, Field(gt=0, le=8760, allow_inf_nan=False)]


class TierTargets(Strict):
    park: TargetHours
    station: TargetHours
    point: TargetHours


class Targets(Strict):
    down_h: TierTargets = Field(description="hours from entering the city to the resident")
    up_h: TierTargets = Field(description="hours from the resident to leaving the city")


def _split_windows(value: object) -> object:
    """A CSV cell holds windows separated by ';' (commas separate the cells)."""
    if isinstance(value, str):
        return [part.strip() for part in value.split(";") if part.strip()]
    return value


class NodeOverride(Strict):
    """Per-node values that win over the tier defaults."""

    population: Population | None = None
    opening_hours: Annotated[list[Window], BeforeValidator(_split_windows)] | None = Field(
        None, min_length=1, description="a station's counter or a point's opening hours"
    )
    sort_rate_per_h: RatePerHour | None = None
    shelf_slots: Slots | None = None
    vehicles: int | None = Field(None, ge=1, le=1000)


class Scenario(Strict):
    name: str
    description: str = ""
    run: RunSettings
    network: NetworkSettings
    facilities: Facilities
    fleets: Fleets
    demand: Demand
    pickup: Pickup
    targets: Targets
    carriers: list[Carrier] = Field(
        default_factory=list, description="express carriers; none: one carrier carries all")
    operations: Operations = Field(default_factory=Operations)
    node_overrides: dict[str, NodeOverride] = Field(default_factory=dict)
    hubs: list[Hub] = Field(
        default_factory=list, description="city hubs beside the distribution centre: cold-chain"
        " bases, land port, bulk and port-side parks")
    products: list[Product] = Field(
        default_factory=list, description="goods other than parcels: farm products, frozen"
        " food, freight")
    precooling: Precooling = Field(default_factory=Precooling)
    disruptions: Disruptions = Field(
        default_factory=Disruptions, description="roads closed, lines down, vehicles out, "
        "random breakdowns and weather (docs/model.md, Disruptions)")

    @model_validator(mode="after")
    def _carriers_and_buses(self) -> Scenario:
        names = [c.name for c in self.carriers]
        if len(set(names)) != len(names):
            raise ValueError("carriers: names repeat")
        modes = [self.operations, *self.operations.counties.values(),
                 *self.operations.townships.values()]
        for leg, fleet in (("township", "bus_township"), ("village", "bus_village")):
            if any(getattr(m, leg) == "bus" for m in modes) and getattr(
                    self.fleets, fleet) is None:
                raise ValueError(f"a {leg} leg runs by bus: fleets.{fleet} must be given")
        return self

    @model_validator(mode="after")
    def _goods_refer_to_hubs(self) -> Scenario:
        hubs = [h.name for h in self.hubs]
        if len(set(hubs)) != len(hubs):
            raise ValueError("hubs: names repeat")
        products = [p.name for p in self.products]
        if len(set(products)) != len(products):
            raise ValueError("products: names repeat")
        served = [c for h in self.hubs for c in h.serves]
        if len(set(served)) != len(served):
            raise ValueError("hubs: a county is served by two cold-chain bases")
        for product in self.products:
            for hub in product.hubs:
                if hub not in hubs:
                    raise ValueError(f"products: {product.name} names unknown hub {hub!r}")
        return self

    def carrier_names(self) -> list[str]:
        return [c.name for c in self.carriers] or ["all"]

    def carrier_shares(self) -> list[float]:
        if not self.carriers:
            return [1.0]
        total = sum(c.share for c in self.carriers)
        return [c.share / total for c in self.carriers]
