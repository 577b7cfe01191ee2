"""Taking lots from a room or a store: the ready ones, oldest first, while they fit."""

from __future__ import annotations

import numpy as np

from sim.freight.life import ShelfLife

EPS = 1e-9  # hours and pallets: sums of floats that should be equal count as equal


def fitting(pallets: np.ndarray, room: float) -> int:
    """How many lots, in order, fit in `room` pallets (the first that does not fit stops
    the rest)."""
    # pallets are never negative, so the running totals that fit are a prefix
    return int(np.count_nonzero(pallets.cumsum() <= room + EPS))


def take_ready(life: ShelfLife, pallets: np.ndarray, ids: np.ndarray, ready: np.ndarray,
               t: float, most: float) -> tuple[np.ndarray, np.ndarray]:
    """(lots taken, mask of `ids` leaving): lots ready by t, in order, while their pallets
    fit in `most`; ready lots found spoiled leave too, counted as spoiled."""
    at = (ready <= t + EPS).nonzero()[0]
    sound = life.keep_sound(ids[at], t)
    usable = at[sound]
    count = fitting(pallets[ids[usable]], most)
    leaving = np.zeros(len(ids), dtype=bool)
    leaving[at[~sound]] = True
    leaving[usable[:count]] = True
    return ids[usable[:count]], leaving
