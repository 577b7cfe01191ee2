"""What every scenario model shares: strictness and the common number types.

Every number a scenario gives is bounded both ways. The bounds sit far beyond any real
network, so no real scenario meets them, and far inside where the engine's arithmetic
breaks: a tiny rate or speed makes times that overflow single-precision stamps, a huge
capacity overflows an int64, a huge delay makes a pickup at infinity. So whatever the schema
accepts runs; volumes (parcels, lots) are bounded by the process's limits, not here.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

Share = Annotated[float, Field(ge=0, le=1, allow_inf_nan=False)]

# A step of work (loading, a stop, a round, pre-cooling, a door delivery) takes under a day.
WorkHours = Annotated[float, Field(ge=0, le=24, allow_inf_nan=False)]
# Seconds of work per parcel: ten minutes a parcel is already no parcel handling.
SecondsPerParcel = Annotated[float, Field(ge=0, le=600, allow_inf_nan=False)]
# A vehicle or a walker on any road: from a slow walk to a fast train. A speed near zero
# would make a leg's time infinite.
Speed = Annotated[float, Field(ge=1, le=300, allow_inf_nan=False)]
# Parcels (or pallets) handled per working hour: from one in ten hours to far beyond any
# sorting centre (the queue lab's "ample" is 1,000,000). A rate near zero makes service
# times infinite.
RatePerHour = Annotated[float, Field(ge=0.1, le=10_000_000, allow_inf_nan=False)]
# Parcels a vehicle or a shelf holds: a 17.5 m truck holds ~15,000; the queue lab's "ample"
# is 1,000,000.
Parcels = Annotated[int, Field(ge=1, le=1_000_000)]
Slots = Annotated[int, Field(ge=0, le=1_000_000)]
# Pallet places (a room, a store, a vehicle body); a large cold store has ~50,000.
Pallets = Annotated[float, Field(ge=0, le=1_000_000, allow_inf_nan=False)]
# Any cost per unit (per km, per vehicle-day, per parcel, per pallet), in yuan or the like.
Money = Annotated[float, Field(ge=0, le=1_000_000, allow_inf_nan=False)]
# Emission factor: a heavy truck emits ~1 kg CO2 per km.
Co2PerKm = Annotated[float, Field(ge=0, le=100, allow_inf_nan=False)]
# A shelf life: up to ten years.
LongHours = Annotated[float, Field(ge=0, le=87_600, allow_inf_nan=False)]
# Residents of one node: the largest city has under 40 million.
Population = Annotated[int, Field(ge=0, le=100_000_000)]


class Strict(BaseModel):
    """Unknown keys are errors and every value is checked, defaults included."""

    model_config = ConfigDict(extra="forbid", validate_default=True, allow_inf_nan=False)
