"""Cost of the measured window: vehicle-km, vehicle-days and parcels handled.

Vehicle costs come from each fleet's `cost_per_km` and `cost_per_vehicle_day`, handling from
each facility kind's `handling_cost` per parcel sorted.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from sim.engine.model import SimulationOutput
from sim.results.resources import Window


def cost_summary(output: SimulationOutput, routes: pd.DataFrame, window: Window,
                 measured_parcels: int) -> dict:
    config = output.scenario.config
    fleets = config.fleets.by_name()
    km_cost = sum(fleets[f].cost_per_km * km
                  for f, km in routes.groupby("fleet")["vehicle_km"].sum().items())
    day_cost = sum(fleets[f].cost_per_vehicle_day * vehicles * window.days
                   for f, vehicles in routes.groupby("fleet")["vehicles"].sum().items())
    times = output.ledger.times
    handling = 0.0
    for kind in ("hub", "park", "station"):
        stamps = times[f"{kind}_sorted"]
        count = np.count_nonzero((stamps >= window.start) & (stamps < window.end))
        handling += getattr(config.facilities, kind).handling_cost * count
    total = km_cost + day_cost + handling
    return {
        "total": float(total),
        "vehicle_km": float(km_cost),
        "vehicle_days": float(day_cost),
        "handling": float(handling),
        "per_parcel": float(total / measured_parcels) if measured_parcels else None,
    }
