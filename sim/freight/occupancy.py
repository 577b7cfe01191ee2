"""How full a room, store or fleet is over time: a level changed by timed steps."""

from __future__ import annotations

import numpy as np


class Occupancy:
    """Steps may be recorded slightly out of time order (rooms settle lazily); statistics
    sort them first."""

    def __init__(self) -> None:
        self.level = 0.0
        self._times: list[float] = []
        self._steps: list[float] = []

    def add(self, t: float, step: float) -> None:
        self.level += step
        self._times.append(float(t))
        self._steps.append(float(step))

    def add_many(self, times: np.ndarray, steps: np.ndarray) -> None:
        self.level += float(np.sum(steps))
        self._times.extend(np.asarray(times, dtype=np.float64).tolist())
        self._steps.extend(np.asarray(steps, dtype=np.float64).tolist())

    def stats(self, start: float, end: float) -> tuple[float, float]:
        """(peak, time-weighted mean) of the level over [start, end)."""
        if not self._times or end <= start:
            return 0.0, 0.0
        times = np.array(self._times)
        order = np.argsort(times, kind="stable")
        times = times[order]
        level = np.cumsum(np.array(self._steps)[order])
        before = np.searchsorted(times, start, side="right")
        initial = level[before - 1] if before else 0.0
        inside = (times > start) & (times < end)
        points = np.concatenate(([start], times[inside], [end]))
        levels = np.concatenate(([initial], level[inside]))
        peak = float(max(levels.max(), 0.0))
        mean = float(np.sum(levels * np.diff(points)) / (end - start))
        return peak, mean
