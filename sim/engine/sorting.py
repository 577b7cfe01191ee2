"""A sorting line: a constant-rate FIFO server that works in shifts, served a batch at a time.

For a constant-rate server the finish time of the i-th parcel of a FIFO batch is
    f_i = (i + 1) / r + max(free, max_{j <= i} (a_j - j / r))
in the line's own working-hours clock, where `free` is when the line clears its earlier work.
One numpy expression per batch replaces one event per parcel.
"""

from __future__ import annotations

import numpy as np

from sim.clock import DailyClock


class SortingLine:
    """Serves batches in arrival order; arrival times must never go backwards."""

    def __init__(self, rate_per_h: float, clock: DailyClock) -> None:
        self.rate = float(rate_per_h)
        self.clock = clock
        self._free_open = 0.0  # working-clock reading when the line is next free
        self._last_arrival = -np.inf

    def serve(self, arrivals: np.ndarray) -> np.ndarray:
        """Real finish times for a batch of non-decreasing arrival times."""
        if len(arrivals) == 0:
            return np.empty(0)
        if arrivals[0] < self._last_arrival:
            raise AssertionError("sorting line arrivals must not go back in time")
        self._last_arrival = float(arrivals[-1])
        opened = self.clock.to_open(arrivals)
        position = np.arange(len(arrivals), dtype=np.float64)
        latest_start = np.maximum.accumulate(opened - position / self.rate)
        finish = (position + 1.0) / self.rate + np.maximum(self._free_open, latest_start)
        self._free_open = float(finish[-1])
        return self.clock.to_real(finish)
