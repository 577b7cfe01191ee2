"""Which days of a run carry what: demand's calendar events and the harvest seasons.

Pure arithmetic on the scenario's dates, shared by the generators of parcels and lots and by
the size estimates that run before either draws anything.
"""

from __future__ import annotations

import datetime as dt

import numpy as np

from sim.scenario.goods import Product
from sim.scenario.models import Demand, RunSettings


def day_multipliers(demand: Demand, run: RunSettings) -> np.ndarray:
    """Volume factor of each day: demand.multiplier x the largest calendar event that day."""
    factors = np.full(run.days, demand.multiplier, dtype=np.float64)
    for day in range(run.days):
        date = run.start_date + dt.timedelta(days=day)
        events = [e.multiplier for e in demand.events if e.start <= date <= e.end]
        if events:
            factors[day] *= max(events)
    return factors


def in_season(product: Product, run: RunSettings) -> np.ndarray:
    """Per run day: whether the product is made that day."""
    days = [run.start_date + dt.timedelta(days=d) for d in range(run.days)]
    if product.season is None:
        return np.ones(run.days, dtype=bool)
    first, last = product.season
    inside = [(d.month, d.day) for d in days]
    if first <= last:
        return np.array([first <= md <= last for md in inside])
    return np.array([md >= first or md <= last for md in inside])  # across new year
