"""Working-hours clocks: shifts of a sorting line, opening hours of a shelf.

A facility that works only in some hours of the day is easiest to model in its own clock,
which advances only while it is open. `to_open` maps real hours to open hours and
`to_real` maps back, both vectorised, so a FIFO batch can be served in one numpy step.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence

import numpy as np
import pandas as pd

HOURS_PER_DAY = 24.0
# Readings this close past a window's end belong to that end (batch sums of 1/rate can land
# an ulp past a shift's end, which must not push a parcel to the next shift).
SNAP_H = 1e-9


def normalise_windows(windows: Sequence[tuple[float, float]]) -> list[tuple[float, float]]:
    """Split overnight windows at midnight and merge overlaps into sorted disjoint intervals."""
    pieces: list[tuple[float, float]] = []
    for start, end in windows:
        if end > start:
            pieces.append((start, end))
        else:  # wraps past midnight
            pieces.append((start, HOURS_PER_DAY))
            if end > 0:
                pieces.append((0.0, end))
    pieces.sort()
    merged: list[tuple[float, float]] = []
    for start, end in pieces:
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return merged


class DailyClock:
    """A clock that runs only inside the same daily windows every day."""

    def __init__(self, windows: Sequence[tuple[float, float]]) -> None:
        intervals = normalise_windows(windows)
        if not intervals:
            raise ValueError("a clock needs at least one open window")
        self.starts = np.array([s for s, _ in intervals])
        self.ends = np.array([e for _, e in intervals])
        lengths = self.ends - self.starts
        self._lengths = lengths
        self.open_per_day = float(lengths.sum())
        # open hours elapsed in the day at each window's start and end
        self._cum_start = np.concatenate(([0.0], np.cumsum(lengths)[:-1]))
        self._cum_end = self._cum_start + lengths
        self.always_open = self.open_per_day >= HOURS_PER_DAY
        self._windows = list(zip(self.starts.tolist(), self.ends.tolist(), strict=True))
        self._cum_windows = list(zip(self.starts.tolist(), self._cum_start.tolist(),
                                     self._cum_end.tolist(), strict=True))
        # the open hours of a day as a piecewise-linear function of the hour, for np.interp
        corners = {0.0: 0.0, HOURS_PER_DAY: self.open_per_day}
        for start, end, cum_start, cum_end in zip(self.starts, self.ends, self._cum_start,
                                                  self._cum_end, strict=True):
            corners[float(start)] = float(cum_start)
            corners[float(end)] = float(cum_end)
        self._hours = np.array(sorted(corners))
        self._opened = np.array([corners[h] for h in self._hours])
        self.key = (*self.starts.tolist(), *self.ends.tolist())  # equal clocks, equal keys

    def to_open(self, t: np.ndarray | float) -> np.ndarray:
        """Open hours elapsed from time 0 to real time t (closed time counts zero)."""
        t = np.asarray(t, dtype=np.float64)
        if self.always_open:
            return t.copy()
        day = np.floor(t / HOURS_PER_DAY)
        frac = t - day * HOURS_PER_DAY
        return day * self.open_per_day + np.interp(frac, self._hours, self._opened)

    def to_open_scalar(self, t: float) -> float:
        """`to_open` for one time, without numpy's per-call cost."""
        if self.always_open:
            return t
        day = math.floor(t / HOURS_PER_DAY)
        frac = t - day * HOURS_PER_DAY
        opened = day * self.open_per_day
        for start, end in self._windows:
            if frac <= start:
                break
            opened += min(frac, end) - start
        return opened

    def to_real(self, w: np.ndarray | float, increasing: bool = False) -> np.ndarray:
        """Earliest real time at which the open clock reads w.

        With `increasing` (w sorted), a batch that starts and ends in one window is mapped
        by a single shift.
        """
        w = np.asarray(w, dtype=np.float64)
        if self.always_open:
            return w.copy()
        if increasing and w.ndim == 1 and len(w) > 1:
            first, last = self._offset(float(w[0])), self._offset(float(w[-1]))
            if first is not None and first == last:  # one window: a plain shift
                return w + first
        day = np.floor(w / self.open_per_day)
        rem = w - day * self.open_per_day
        # a reading at a day's end is the last window's end, not the next day's start
        at_end = (rem <= SNAP_H) & (day > 0)
        if at_end.any():
            day = np.where(at_end, day - 1, day)
            rem = np.where(at_end, rem + self.open_per_day, rem)
        if len(self.starts) == 1:
            return day * HOURS_PER_DAY + self.starts[0] + np.minimum(rem, self.open_per_day)
        window = np.searchsorted(self._cum_end, rem - SNAP_H, side="left")
        window = np.minimum(window, len(self.starts) - 1)
        offset = np.minimum(rem - self._cum_start[window], self._lengths[window])
        return day * HOURS_PER_DAY + self.starts[window] + offset

    def _offset(self, w: float) -> float | None:
        """real - open reading inside the window holding w (None at a window's edge)."""
        day = math.floor(w / self.open_per_day)
        rem = w - day * self.open_per_day
        for start, cum_start, cum_end in self._cum_windows:
            if cum_start + SNAP_H < rem < cum_end - SNAP_H:
                return day * HOURS_PER_DAY + start - day * self.open_per_day - cum_start
        return None


ALWAYS = DailyClock([(0.0, HOURS_PER_DAY)])


def when(start: dt.date, hours: pd.Series) -> pd.Series:
    """A run's hours (from midnight of its start date) as dates and times."""
    return pd.Timestamp(start) + pd.to_timedelta(hours, unit="h")


class SlowedClock:
    """A daily clock that runs at `factor` of its pace inside some periods (0: stopped).

    A sorting line down, or at a fraction of its rate, still sorts at its own rate in its own
    clock: the clock only advances more slowly while it is disrupted. A closed shelf is a
    shelf whose opening hours stop. `periods` are (start, end, factor) in real hours;
    overlapping ones multiply.
    """

    def __init__(self, base: DailyClock, periods: Sequence[tuple[float, float, float]]) -> None:
        self.base = base
        edges = sorted({t for start, end, _ in periods for t in (start, end)})
        self._edges = np.array(edges)
        factors = []
        for left in edges[:-1]:
            factor = 1.0
            for start, end, f in periods:
                if start <= left < end:
                    factor *= f
            factors.append(factor)
        self._factor = np.array([*factors, 1.0])
        # disrupted open hours at each edge
        base_at_edge = base.to_open(self._edges)
        gained = self._factor[:-1] * np.diff(base_at_edge)
        self._at_edge = base_at_edge[0] + np.concatenate(([0.0], np.cumsum(gained)))
        self._base_at_edge = base_at_edge
        self.open_per_day = base.open_per_day
        self.key = (*base.key, *edges, *factors)

    def to_open(self, t: np.ndarray | float) -> np.ndarray:
        t = np.asarray(t, dtype=np.float64)
        base = self.base.to_open(t)
        segment = np.searchsorted(self._edges, t, side="right") - 1
        inside = segment >= 0
        at = np.maximum(segment, 0)
        slowed = self._at_edge[at] + self._factor[at] * (base - self._base_at_edge[at])
        return np.where(inside, slowed, base)

    def to_open_scalar(self, t: float) -> float:
        return float(self.to_open(t))

    def to_real(self, w: np.ndarray | float, increasing: bool = False) -> np.ndarray:
        """Earliest real time at which the clock reads w (never inside a stopped period)."""
        w = np.asarray(w, dtype=np.float64)
        # the segment whose open hours hold w: stopped segments hold none of their own
        segment = np.searchsorted(self._at_edge, w - SNAP_H, side="left") - 1
        inside = segment >= 0
        at = np.maximum(segment, 0)
        base_w = np.where(inside, self._base_at_edge[at]
                          + (w - self._at_edge[at]) / np.where(inside, self._factor[at], 1.0),
                          w)
        return self.base.to_real(base_w)
