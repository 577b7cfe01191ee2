"""Lots: goods made at one place on one day, in pieces of at most one pallet.

Each place that makes a product draws its day's quantity (Poisson in the product's units, in
season only) from its own random stream, so two scenarios on the same seed see the same
harvests (common random numbers). A day's quantity is cut into whole pallets and one
remainder, made at times spread uniformly over the product's daily window.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np

from sim.demand import STREAM_DEMAND, node_stream
from sim.freight.plan import GoodsPlan
from sim.scenario.goods import Product
from sim.scenario.models import RunSettings

STREAM_GOODS = STREAM_DEMAND + 10


@dataclass(frozen=True)
class Lots:
    """Every lot of a run, sorted by the time it was made; index = lot id."""

    product: np.ndarray  # int16 index into the scenario's products
    created: np.ndarray  # float64 hours since the start date's midnight
    origin: np.ndarray  # int32 site
    destination: np.ndarray  # int32 site
    hub: np.ndarray  # int32 hub it passes through
    pallets: np.ndarray  # float64, at most 1

    def __len__(self) -> int:
        return len(self.created)


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


def generate_lots(plan: GoodsPlan, run: RunSettings) -> Lots:
    parts = []
    for index, (product, sources) in enumerate(zip(plan.products, plan.sources, strict=True)):
        season = in_season(product, run)
        for row in range(len(sources.origin)):
            rng = node_stream(run, STREAM_GOODS, product.name, str(sources.key[row]))
            units = rng.poisson(product.per_day, size=run.days) * season
            pallets = units / product.units_per_pallet
            pieces = np.ceil(pallets).astype(np.int64)
            if not pieces.sum():
                continue
            day = np.repeat(np.arange(run.days), pieces)
            first = np.cumsum(pieces) - pieces  # index of each day's first piece
            piece = np.arange(len(day)) - np.repeat(first, pieces)
            size = np.minimum(1.0, np.repeat(pallets, pieces) - piece)
            start, end = product.window
            span = (end - start) % 24.0 or 24.0
            created = day * 24.0 + start + span * rng.random(len(day))
            count = len(day)
            parts.append((np.full(count, index, dtype=np.int16), created,
                          np.full(count, sources.origin[row], dtype=np.int32),
                          np.full(count, sources.destination[row], dtype=np.int32),
                          np.full(count, sources.hub[row], dtype=np.int32), size))
    if not parts:
        empty = np.empty(0)
        return Lots(empty.astype(np.int16), empty, empty.astype(np.int32),
                    empty.astype(np.int32), empty.astype(np.int32), empty)
    columns = [np.concatenate(column) for column in zip(*parts, strict=True)]
    order = np.argsort(columns[1], kind="stable")
    return Lots(*(column[order] for column in columns))
