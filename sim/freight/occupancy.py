"""How full a room, store or fleet is over time: a level changed by timed steps."""

from __future__ import annotations

import numpy as np


class Occupancy:
    """Steps may be recorded slightly out of time order (rooms settle lazily); statistics
    sort them first, keeping the recorded order of steps at the same time."""

    def __init__(self) -> None:
        self.level = 0.0
        self._times: list[np.ndarray] = []
        self._steps: list[np.ndarray] = []
        self._pending_times: list[float] = []  # single steps, gathered into an array later
        self._pending_steps: list[float] = []

    def add(self, t: float, step: float) -> None:
        self.level += step
        self._pending_times.append(t)
        self._pending_steps.append(step)

    def add_many(self, times: np.ndarray, steps: np.ndarray) -> None:
        steps = np.asarray(steps, dtype=np.float64)
        self.level += float(steps.sum())
        self._gather()
        self._times.append(np.asarray(times, dtype=np.float64))
        self._steps.append(steps)

    def _gather(self) -> None:
        if self._pending_times:
            self._times.append(np.array(self._pending_times, dtype=np.float64))
            self._steps.append(np.array(self._pending_steps, dtype=np.float64))
            self._pending_times, self._pending_steps = [], []

    def stats(self, start: float, end: float) -> tuple[float, float]:
        """(peak, time-weighted mean) of the level over [start, end)."""
        self._gather()
        if not self._times or end <= start:
            return 0.0, 0.0
        times = np.concatenate(self._times)
        order = np.argsort(times, kind="stable")
        times = times[order]
        level = np.cumsum(np.concatenate(self._steps)[order])
        before = np.searchsorted(times, start, side="right")
        initial = level[before - 1] if before else 0.0
        inside = (times > start) & (times < end)
        points = np.concatenate(([start], times[inside], [end]))
        levels = np.concatenate(([initial], level[inside]))
        peak = float(max(levels.max(), 0.0))
        mean = float(np.sum(levels * np.diff(points)) / (end - start))
        return peak, mean
