"""Cost of the measured window: vehicles (per km, per vehicle-day, fees per parcel carried)
and parcels handled (each facility kind's `handling_cost` per parcel sorted)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from sim.engine.model import SimulationOutput
from sim.results.resources import Window


def cost_summary(output: SimulationOutput, routes: pd.DataFrame, window: Window,
                 measured_parcels: int) -> dict:
    config = output.scenario.config
    vehicles = float(routes["cost"].sum())
    times = output.ledger.times
    handling = 0.0
    for kind in ("hub", "park", "station"):
        stamps = times[f"{kind}_sorted"]
        count = np.count_nonzero((stamps >= window.start) & (stamps < window.end))
        handling += getattr(config.facilities, kind).handling_cost * count
    total = vehicles + handling
    return {
        "total": float(total),
        "vehicles": vehicles,
        "handling": float(handling),
        "per_parcel": float(total / measured_parcels) if measured_parcels else None,
    }
