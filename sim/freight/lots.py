"""Lots: goods made at one place on one day, in pieces of at most one pallet.

Each place that makes a product draws its day's quantity (Poisson in the product's units, in
season only) from its own random stream, so two scenarios on the same seed see the same
harvests (common random numbers). A day's quantity is cut into whole pallets and one
remainder, made at times spread uniformly over the product's daily window.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sim.demand import STREAM_DEMAND, node_stream
from sim.freight.plan import GoodsPlan, Sources
from sim.scenario.calendar import in_season
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


def generate_lots(plan: GoodsPlan, run: RunSettings) -> Lots:
    parts = [_product_lots(index, product, sources, run)
             for index, (product, sources) in enumerate(zip(plan.products, plan.sources,
                                                            strict=True))]
    parts = [part for part in parts if len(part[0])]
    if not parts:
        empty = np.empty(0)
        return Lots(empty.astype(np.int16), empty, empty.astype(np.int32),
                    empty.astype(np.int32), empty.astype(np.int32), empty)
    columns = [np.concatenate(column) for column in zip(*parts, strict=True)]
    order = np.argsort(columns[1], kind="stable")
    return Lots(*(column[order] for column in columns))


def _product_lots(index: int, product: Product, sources: Sources, run: RunSettings
                  ) -> tuple[np.ndarray, ...]:
    """One product's lots, place by place in the sources' order, as Lots' columns.

    Each place's stream draws its days' quantities, then its pieces' times; the cutting
    into pieces is the same arithmetic for every place, so it runs on all of them at once."""
    season = in_season(product, run)
    places = len(sources.origin) if season.any() else 0  # no harvest: no draws needed
    streams = [node_stream(run, STREAM_GOODS, product.name, str(key))
               for key in sources.key[:places]]
    units = np.array([rng.poisson(product.per_day, size=run.days) for rng in streams],
                     dtype=np.int64).reshape(places, run.days) * season
    pallets = (units / product.units_per_pallet).ravel()  # place-major, then day
    pieces = np.ceil(pallets).astype(np.int64)
    day = np.repeat(np.tile(np.arange(run.days), places), pieces)
    first = np.cumsum(pieces) - pieces  # index of each day's first piece
    piece = np.arange(len(day)) - np.repeat(first, pieces)
    size = np.minimum(1.0, np.repeat(pallets, pieces) - piece)
    per_place = pieces.reshape(places, run.days).sum(axis=1)
    draws = [rng.random(count) for rng, count in zip(streams, per_place.tolist(), strict=True)]
    start, end = product.window
    span = (end - start) % 24.0 or 24.0
    created = day * 24.0 + start + span * np.concatenate(draws or [np.empty(0)])
    return (np.full(len(day), index, dtype=np.int16), created,
            np.repeat(sources.origin[:places], per_place).astype(np.int32),
            np.repeat(sources.destination[:places], per_place).astype(np.int32),
            np.repeat(sources.hub[:places], per_place).astype(np.int32), size)
