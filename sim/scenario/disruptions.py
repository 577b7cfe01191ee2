"""The schema of disruptions: what goes wrong, where, when and how badly.

Scheduled disruptions have a start and an end (a date and a time). Random ones are drawn
before the run from their own random streams, so that demand and every other draw stay the
same as in the undisrupted twin. Names (nodes, counties, townships, road classes, fleets)
are checked against the node table when the scenario is loaded (`sim.scenario.loader`).
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, NaiveDatetime, model_validator

from sim.scenario.base import Share, Strict

# A factor of a speed or a rate: 1 leaves it as it is; a stop is written `closed` or `down`.
Factor = Annotated[float, Field(gt=0, le=1, allow_inf_nan=False)]
Lon = Annotated[float, Field(ge=-180, le=180, allow_inf_nan=False)]
Lat = Annotated[float, Field(ge=-90, le=90, allow_inf_nan=False)]
Name = Annotated[str, Field(max_length=200)]
Names = Annotated[list[Name], Field(max_length=10_000)]


class Period(Strict):
    """When a scheduled disruption holds: from `start` up to `end`."""

    name: Name = Field("", description="how tables and charts call it")
    start: NaiveDatetime = Field(description="date and time it begins, e.g. 2021-07-20 08:00")
    end: NaiveDatetime = Field(description="date and time it is over (local time: no zone)")

    @model_validator(mode="after")
    def _ends_after_start(self) -> Period:
        if self.end <= self.start:
            raise ValueError(f"end {self.end:%Y-%m-%d %H:%M} is not after start "
                             f"{self.start:%Y-%m-%d %H:%M}")
        return self


class Area(Strict):
    """Where: nodes in these counties, townships (station id or name), nodes, or polygon.

    Scopes given together must all hold (a county and a road class: that county's roads of
    that class); an area with no scope at all is the whole network.
    """

    counties: Names = Field(default_factory=list)
    townships: Names = Field(default_factory=list, description="station ids or names")
    nodes: Names = Field(default_factory=list, description="node ids or names")
    polygon: list[tuple[Lon, Lat]] | None = Field(
        None, min_length=3, max_length=10_000, description="lon, lat corners of an area")


class RoadSeverity(Strict):
    """Roads closed, or slowed to `speed_factor` of their speed."""

    closed: bool = False
    speed_factor: Factor = 1.0

    @model_validator(mode="after")
    def _does_something(self) -> RoadSeverity:
        if not self.closed and self.speed_factor == 1:
            raise ValueError("roads need closed: true or a speed_factor below 1")
        return self


class RoadDisruption(Period, Area, RoadSeverity):
    """Roads closed or slowed over a period.

    A road is in the area when both its ends are (roads touching a listed node when `nodes`
    are given), one of the sections `between` when they are given, and of one of
    `road_classes` when they are given.
    """

    road_classes: Names = Field(default_factory=list)
    between: list[tuple[Name, Name]] = Field(
        default_factory=list, max_length=10_000,
        description="road sections by their two ends (node ids or names)")


FacilityKind = Literal["hub", "park", "station"]


class FacilityDisruption(Period, Area):
    """Sorting lines down, or at `rate_factor` of their rate (a staff shortage)."""

    kinds: list[FacilityKind] = Field(default_factory=list, description="default: every kind")
    down: bool = False
    rate_factor: Factor = 1.0

    @model_validator(mode="after")
    def _does_something(self) -> FacilityDisruption:
        if not self.down and self.rate_factor == 1:
            raise ValueError("a facility disruption needs down: true or a rate_factor below 1")
        return self


class Closure(Period, Area):
    """Township stations or village points closed: parcels for them wait upstream,
    residents cannot collect, a station's line stops."""

    kinds: list[Literal["station", "point"]] = Field(default_factory=lambda: ["point"])


class FleetDisruption(Period):
    """Vehicles out of service: `vehicles` at each base, or all but `available` of them."""

    fleet: Name
    bases: Names = Field(default_factory=list, description="base node ids or names; "
                         "default: every base of the fleet")
    counties: Names = Field(default_factory=list)
    vehicles: int | None = Field(None, ge=1, le=1000, description="vehicles out at each base")
    available: Factor | None = Field(None, description="share of each base's vehicles in "
                                     "service (drivers short)")

    @model_validator(mode="after")
    def _one_measure(self) -> FleetDisruption:
        if (self.vehicles is None) == (self.available is None):
            raise ValueError("give exactly one of vehicles (out at each base) and available "
                             "(the share in service)")
        return self


class ArrivalStop(Period):
    """The gateway's inflow stopped (the trunk closed): what would have come waits, and
    arrives at the end, all at once."""


class PowerCut(Period):
    """The cold stores of cold-chain bases (`hubs`, by name) without power: the lots inside,
    and those brought in meanwhile, age at the ambient rate of their shelf-life budget."""

    hubs: Names = Field(min_length=1)


class Breakdowns(Strict):
    """Each vehicle of a fleet breaks down after exponential times with mean `mtbf_h`
    (counted in service) and is repaired in exponential times with mean `mttr_h`."""

    name: Name = ""
    fleet: Name
    mtbf_h: Annotated[float, Field(ge=1, le=87_600, allow_inf_nan=False)]
    mttr_h: Annotated[float, Field(ge=0.01, le=8_760, allow_inf_nan=False)]


class Outages(Area):
    """Sorting-line outages at each facility of `kinds`: `per_year` on average (a Poisson
    process), each lasting a lognormal time of mean `duration_h` and spread `duration_cv`."""

    name: Name = ""
    kinds: list[FacilityKind] = Field(default_factory=lambda: ["park"])
    per_year: Annotated[float, Field(gt=0, le=8_760, allow_inf_nan=False)]
    duration_h: Annotated[float, Field(gt=0, le=8_760, allow_inf_nan=False)]
    duration_cv: Annotated[float, Field(ge=0, le=5, allow_inf_nan=False)] = 0.5


class PowerCuts(Strict):
    """Cold stores of cold-chain bases (`hubs`, by name) losing power at random: `per_year`
    on average at each (a Poisson process), each cut lasting a lognormal time of mean
    `duration_h` and spread `duration_cv`."""

    name: Name = ""
    hubs: Names = Field(min_length=1)
    per_year: Annotated[float, Field(gt=0, le=8_760, allow_inf_nan=False)]
    duration_h: Annotated[float, Field(gt=0, le=8_760, allow_inf_nan=False)]
    duration_cv: Annotated[float, Field(ge=0, le=5, allow_inf_nan=False)] = 0.5


class Weather(Area, RoadSeverity):
    """Bad-weather days: each day of month m is bad with probability `months[m]`, and then
    the roads of `road_classes` in the area close or slow for the whole day."""

    name: Name = ""
    months: dict[Annotated[int, Field(ge=1, le=12)], Share]
    road_classes: Names = Field(default_factory=lambda: ["village"])


class RandomDisruptions(Strict):
    breakdowns: list[Breakdowns] = Field(default_factory=list, max_length=100)
    outages: list[Outages] = Field(default_factory=list, max_length=100)
    power_cuts: list[PowerCuts] = Field(default_factory=list, max_length=100)
    weather: list[Weather] = Field(default_factory=list, max_length=100)


class Resilience(Strict):
    """When the network counts as recovered: its backlog within `backlog_tolerance` of the
    twin's (a share of the twin's mean backlog) and each day's on-time rate within
    `on_time_tolerance` of the twin's, from then on."""

    backlog_tolerance: Share = 0.05
    on_time_tolerance: Share = 0.02


class Disruptions(Strict):
    roads: list[RoadDisruption] = Field(default_factory=list, max_length=1000)
    facilities: list[FacilityDisruption] = Field(default_factory=list, max_length=1000)
    closures: list[Closure] = Field(default_factory=list, max_length=1000)
    fleets: list[FleetDisruption] = Field(default_factory=list, max_length=1000)
    arrivals: list[ArrivalStop] = Field(default_factory=list, max_length=1000)
    power: list[PowerCut] = Field(default_factory=list, max_length=1000)
    random: RandomDisruptions = Field(default_factory=RandomDisruptions)
    resilience: Resilience = Field(default_factory=Resilience)

    @property
    def any(self) -> bool:
        """Whether anything is disrupted at all (else no twin is needed)."""
        random = self.random
        return bool(self.roads or self.facilities or self.closures or self.fleets
                    or self.arrivals or self.power or random.breakdowns or random.outages
                    or random.power_cuts or random.weather)

    def scheduled(self) -> list[Period]:
        return [*self.roads, *self.facilities, *self.closures, *self.fleets, *self.arrivals,
                *self.power]
