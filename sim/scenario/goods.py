"""Schema of goods other than parcels: the city's hubs, products, reefers and cold storage.

Goods move in lots measured in pallets, the unit that cold rooms and reefer bodies are sized
in; each product says how many of its own units (kg, crates or pallets) make one pallet.
Referential checks (that a county or hub exists) need the node table and live in
`sim.freight.plan`.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Annotated, Literal

from pydantic import BeforeValidator, Field, PlainSerializer, model_validator

from sim.scenario.base import (
    Co2PerKm,
    LongHours,
    Money,
    Pallets,
    RatePerHour,
    Speed,
    Strict,
    WorkHours,
)
from sim.scenario.timeofday import Timetable, Window

HubRole = Literal["cold_chain_base", "land_port", "bulk_park", "port_park"]
Chain = Literal["ambient", "chilled", "frozen"]
GoodsFlow = Literal["up", "down", "out", "in"]
_MONTH_DAY = re.compile(r"^\s*(\d{1,2})-(\d{1,2})\s*$")
_NUMBER = re.compile(r"^\s*\d{1,2}\s*$")


def _parse_month_day(value: object) -> tuple[int, int]:
    """(month, day) from "MM-DD" or [month, day]; the year does not matter for a harvest
    season. Both forms pass the same check, so a season written either way means the same
    and is written back as "MM-DD"."""
    if isinstance(value, str) and (match := _MONTH_DAY.match(value)):
        parts: list[object] = list(match.groups())
    elif isinstance(value, list | tuple):
        parts = list(value)
    else:
        parts = []
    numbers = [_whole(part) for part in parts]
    if len(numbers) != 2 or None in numbers:
        raise ValueError(f"expected a month and day like '06-15' or [6, 15], got {value!r}")
    month, day = numbers
    try:
        dt.date(2024, month, day)  # a leap year accepts every real month-day
    except ValueError as error:
        raise ValueError(f"{value!r} is not a day of the year ({error})") from None
    return month, day


def _whole(part: object) -> int | None:
    """A whole number as YAML gives it: an int (not a bool), or digits ("08" stays text)."""
    if isinstance(part, int) and not isinstance(part, bool):
        return part
    if isinstance(part, str) and _NUMBER.match(part):
        return int(part)
    return None


MonthDay = Annotated[
    tuple[int, int],
    BeforeValidator(_parse_month_day),
    PlainSerializer(lambda md: f"{md[0]:02d}-{md[1]:02d}", return_type=str, when_used="json"),
]


# Life at the chain's temperature: from six minutes (less is no product to ship cold; a
# life near zero makes the rate it is used up at overflow) to ten years.
ColdLife = Annotated[float, Field(ge=0.1, le=87_600, allow_inf_nan=False)]


class FreightFleet(Strict):
    """Trucks or reefers based at a hub; at each departure every idle one takes a trip."""

    vehicles: int = Field(ge=0, le=1000, description="vehicles based at the hub")
    capacity_pallets: float = Field(ge=0.1, le=1_000_000, allow_inf_nan=False,
                                    description="pallets per vehicle (a tricycle takes ~0.5)")
    refrigerated: bool = Field(True, description="a reefer keeps its load cold; a truck does not")
    departures: Timetable = Field(min_length=1, description="daily departure times")
    speed_kmh: Speed = Field(60.0, description="top speed; roads may be slower")
    stop_h: WorkHours = Field(0.5, description="loading or unloading time at each stop")
    cost_per_km: Money = 0.0
    cost_per_vehicle_day: Money = 0.0
    co2_kg_per_km: Co2PerKm = 0.0


class HubFleets(Strict):
    """A hub's fleets by job. `line_haul` runs between the hub and the gateway both ways."""

    line_haul: FreightFleet
    collect: FreightFleet | None = Field(
        None, description="cold-chain base: fetches pre-cooled farm products from stations or"
        " parks")
    distribute: FreightFleet | None = Field(
        None, description="cold-chain base: takes frozen food to village points with freezers")


class Hub(Strict):
    """A city hub beside the parcel tree's distribution centre, with its own capacities."""

    name: str = Field(min_length=1, pattern=r"^[A-Za-z0-9_.\-]+$")
    role: HubRole
    label: str = Field("", description="the hub's real name, for reports")
    lon: float = Field(ge=-180, le=180)
    lat: float = Field(ge=-90, le=90)
    serves: list[str] = Field(
        default_factory=list,
        description="cold-chain base: the counties whose farm products and frozen food it"
        " handles")
    handling_per_h: RatePerHour = Field(
        description="pallets handled in per hour (one FIFO dock)")
    handling_cost_per_pallet: Money = 0.0
    cold_storage_pallets: Pallets = Field(
        0.0, description="pallet places kept cold; goods come in only when there is room")
    storage_cost_per_pallet_day: Money = 0.0
    fleets: HubFleets

    @model_validator(mode="after")
    def _role_fits(self) -> Hub:
        base = self.role == "cold_chain_base"
        if base and not self.serves:
            raise ValueError("a cold_chain_base must list the counties it `serves`")
        if not base and (self.serves or self.fleets.collect or self.fleets.distribute):
            raise ValueError(f"a {self.role} has only a line_haul fleet and serves no county")
        return self


class Product(Strict):
    """A good with a shelf life: where it starts, where it goes, how much and when."""

    name: str = Field(min_length=1, pattern=r"^[A-Za-z0-9_.\-]+$")
    label: str = Field("", max_length=100,
                       description="its name as planners know it (双孢菇), for reports")
    unit: Literal["kg", "crate", "pallet"]
    units_per_pallet: float = Field(
        ge=1, le=10_000, allow_inf_nan=False,
        description="a pallet holds at least one unit, and at most ~1,500 kg")
    kg_per_unit: float = Field(ge=0.01, le=10_000, allow_inf_nan=False)
    chain: Chain = Field(description="the temperature it must travel at; ambient needs none")
    shelf_life_ambient_h: LongHours | None = Field(
        description="hours it keeps out of refrigeration; null: it never spoils")
    shelf_life_cold_h: ColdLife | None = Field(
        None, description="hours it keeps at its chain temperature; null: it never spoils")
    flow: GoodsFlow = Field(
        description="up: villages to the gateway through a cold-chain base; down: gateway to"
        " village points with freezers through a base; out/in: a hub to/from the gateway")
    counties: list[str] = Field(default_factory=list, description="up/down: where it flows")
    hubs: list[str] = Field(default_factory=list, description="out/in: which hubs")
    per_day: float = Field(
        ge=0, le=1_000_000, allow_inf_nan=False,
        description="units a day per producing village or township (up), per freezer point"
        " (down) or per hub (out/in) in season")
    per: Literal["village", "township"] = Field(
        "village", description="up: is `per_day` made at each village, or at each township"
        " (brought to its station)?")
    season: tuple[MonthDay, MonthDay] | None = Field(
        None, description="first and last day of the season (MM-DD, or [month, day]); null:"
        " all year")
    window: Window = Field((5.0, 11.0), description="hours of the day lots are made")
    freezer_share: Annotated[float, Field(ge=0, le=1)] = Field(
        0.0, description="down: share of village points with a freezer (a fixed rule per"
        " point id)")

    @model_validator(mode="after")
    def _consistent(self) -> Product:
        if self.unit == "pallet" and self.units_per_pallet != 1:
            raise ValueError("a product counted in pallets has units_per_pallet 1")
        if self.flow in ("up", "down") and not self.counties:
            raise ValueError(f"a product flowing {self.flow} must list its `counties`")
        if self.flow in ("out", "in") and not self.hubs:
            raise ValueError(f"a product flowing {self.flow} must list its `hubs`")
        if self.per == "township" and self.flow != "up":
            raise ValueError("only farm products (flow up) may be made per township")
        if self.flow == "down" and self.freezer_share == 0:
            raise ValueError("frozen food flowing down needs `freezer_share` above 0")
        if self.chain != "ambient" and self.shelf_life_ambient_h is not None and \
                self.shelf_life_cold_h is None:
            raise ValueError("give shelf_life_cold_h, the life at its chain temperature")
        return self


class Precooling(Strict):
    """Cold rooms where farm products lose their field heat before a reefer fetches them."""

    at: Literal["station", "park"] = Field("station", description="township station or park")
    pallets: Pallets = Field(20.0, description="pallet places per cold room; full rooms"
                             " leave arriving goods waiting outside")
    hours: WorkHours = Field(3.0, description="pre-cooling time before goods may leave")
    first_mile_kmh: Speed = Field(
        25.0, description="speed of farmers' own carts and tricycles to the cold room")

