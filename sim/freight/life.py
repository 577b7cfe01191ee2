"""Shelf life as a budget that time spends: fast out of refrigeration, slowly inside it.

A lot with ambient life A and cold life C that spends a hours out of refrigeration and c hours
in it has used a/A + c/C of its life; it is spoiled once that reaches 1. Each lot keeps the
share used up to its last change of temperature and whether it is cold now, so the moment it
spoils is known exactly without stepping through time.
"""

from __future__ import annotations

import numpy as np

from sim.freight.lots import Lots
from sim.scenario.goods import Product

SOUND, DELIVERED, SPOILED = 0, 1, 2


class ShelfLife:
    """The ageing state and fate of every lot."""

    def __init__(self, lots: Lots, products: list[Product]) -> None:
        ambient = np.array([np.inf if p.shelf_life_ambient_h is None else p.shelf_life_ambient_h
                            for p in products] or [np.inf])
        cold = np.array([np.inf if p.shelf_life_cold_h is None else p.shelf_life_cold_h
                         for p in products] or [np.inf])
        rates = (_rate(ambient), _rate(cold))
        self._rate_ambient, self._rate_cold = (rate[lots.product] for rate in rates)
        self._finite_rates = all(np.isfinite(rate).all() for rate in rates)
        # per temperature (cold or not): every product ages, so no lot's life is unlimited
        self._all_age = {cold: bool(rate.all()) for cold, rate in zip((False, True), rates,
                                                                        strict=True)}
        self.used = np.zeros(len(lots))
        self.since = lots.created.copy()
        self._warm = np.ones(len(lots))  # 1.0 out of refrigeration: ambient hours per hour
        self.rate = self._rate_ambient.copy()  # share of life used per hour as it is now
        self.expires = self.since + _left_hours(np.ones(len(lots)), self.rate)
        self.ambient_h = np.zeros(len(lots))  # hours out of refrigeration so far
        self.fate = np.full(len(lots), SOUND, dtype=np.int8)
        self.ended = np.full(len(lots), np.nan)  # when delivered or spoiled

    @property
    def cold(self) -> np.ndarray:
        """Whether each lot is in refrigeration now."""
        return self._warm == 0.0

    def expiry(self, ids: np.ndarray) -> np.ndarray:
        """When each lot spoils if it stays as it is now (inf: never)."""
        return self.expires[ids]

    def move(self, ids: np.ndarray, t: float | np.ndarray, cold: bool) -> None:
        """From time t the lots are in (cold=True) or out of refrigeration."""
        if not len(ids):
            return
        used, since = self._spend(ids, t)
        self._warm[ids] = 0.0 if cold else 1.0
        rate = (self._rate_cold if cold else self._rate_ambient)[ids]
        self.rate[ids] = rate
        left = np.maximum(1.0 - used, 0.0)
        self.expires[ids] = since + (left / rate if self._all_age[cold] else
                                     _left_hours(left, rate))

    def age_to(self, ids: np.ndarray, t: float) -> None:
        """Bring the lots' ageing up to time t without changing where they are."""
        self._spend(ids, t)

    def _spend(self, ids: np.ndarray, t: float | np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Age the lots to t; returns their share of life used and the time it counts to."""
        since = self.since[ids]
        elapsed = np.maximum(t - since, 0.0)
        used = self.used[ids] + self._used_in(elapsed, self.rate[ids])
        self.used[ids] = used
        self.ambient_h[ids] += elapsed * self._warm[ids]  # elapsed is finite: 0 or all of it
        since = np.maximum(since, t)
        self.since[ids] = since
        return used, since

    def _used_in(self, elapsed: np.ndarray, rate: np.ndarray) -> np.ndarray:
        """Share of life used in `elapsed` hours at `rate`: no time spent uses nothing, even
        at an infinite rate (no life at all)."""
        if self._finite_rates:
            return elapsed * rate  # 0 h at a finite rate is 0 already
        step = np.zeros(len(elapsed))
        np.multiply(elapsed, rate, out=step, where=elapsed > 0)
        return step

    def keep_sound(self, ids: np.ndarray, t: float | np.ndarray) -> np.ndarray:
        """Mark the lots that spoiled before time t; True for the sound rest."""
        if not len(ids):
            return np.ones(0, dtype=bool)
        ends = self.expiry(ids)
        spoiled = ends < t
        if np.count_nonzero(spoiled):
            gone = ids[spoiled]
            self._spend(gone, ends[spoiled])
            self.used[gone] = 1.0  # exactly, also for no life at all (no time passed)
            self.fate[gone] = SPOILED
            self.ended[gone] = ends[spoiled]
        return ~spoiled

    def cull(self, ids: np.ndarray, t: float | np.ndarray) -> np.ndarray:
        """Mark the lots that spoiled before time t; return the sound rest."""
        return ids[self.keep_sound(ids, t)]

    def deliver(self, ids: np.ndarray, t: float | np.ndarray) -> int:
        """Hand the lots over at time(s) t; those that spoiled on the way count as spoiled.

        Returns the number handed over sound."""
        keep = self.keep_sound(ids, t)
        sound = ids[keep]
        when = t[keep] if isinstance(t, np.ndarray) else t
        self._spend(sound, when)
        self.fate[sound] = DELIVERED
        self.ended[sound] = when
        return len(sound)


def _left_hours(left: np.ndarray, rate: np.ndarray) -> np.ndarray:
    """Hours until a share `left` of life is used at `rate` (inf at rate 0)."""
    if rate.all():  # every lot ages: a plain division
        return left / rate
    hours = np.empty(len(left))
    hours[:] = np.inf
    np.divide(left, rate, out=hours, where=rate > 0)
    return hours


def _rate(life: np.ndarray) -> np.ndarray:
    """Share of life used per hour: 1/life; inf for no life at all, 0 for no limit."""
    with np.errstate(divide="ignore"):
        return np.where(life > 0, 1.0 / np.where(life > 0, life, 1.0), np.inf)
