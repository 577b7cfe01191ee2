"""Sorting lines: FIFO servers that work in shifts, served a batch at a time.

For one constant-rate line the finish time of the i-th parcel of a FIFO batch is
    f_i = (i + 1) / r + max(free, max_{j <= i} (a_j - j / r))
in the line's own working-hours clock, where `free` is when the line clears its earlier work.
One numpy expression per batch replaces one event per parcel. The same closed form serves
random service times on one line (with cumulative sums in place of i / r) and c constant
lines (each residue class of the arrival order is one line's queue). Only c lines with
random service need a loop over parcels; that option is there for validation against
queueing theory, not for speed.
"""

from __future__ import annotations

import heapq

import numpy as np

from sim.clock import DailyClock

TIME_DECIMALS = 9


class SortingLine:
    """Serves batches in arrival order; arrival times must never go backwards."""

    def __init__(self, rate_per_h: float, clock: DailyClock, lines: int = 1,
                 rng: np.random.Generator | None = None) -> None:
        self.rate = float(rate_per_h)  # per line
        self.clock = clock
        self.lines = lines
        self.rng = rng  # exponential service times when given, else constant
        self._free = np.zeros(lines)  # working-clock time each line (or residue) is free
        self._served = 0
        self._last_arrival = -np.inf
        self._work_done = np.zeros(1)  # k / rate at k: the work of k parcels, from 0 up

    def _work(self, count: int) -> np.ndarray:
        """The open hours k parcels take, for k = 0..count (a view of a growing table: the
        same numbers as computing them afresh, without the per-batch cost)."""
        if len(self._work_done) <= count:
            size = max(2 * len(self._work_done), count + 1)
            self._work_done = np.arange(size, dtype=np.float64) / self.rate
        return self._work_done[: count + 1]

    @property
    def capacity_per_h(self) -> float:
        return self.rate * self.lines

    @property
    def in_order(self) -> bool:
        """Whether parcels finish in the order they arrived (one line, or equal services)."""
        return self.lines == 1 or self.rng is None

    def serve_together(self, arrival: float, count: int) -> np.ndarray:
        """Real finish times for `count` parcels that all arrive at `arrival`."""
        if self.lines > 1 or self.rng is not None:
            return self.serve(np.full(count, arrival))
        if arrival < self._last_arrival:
            raise AssertionError("sorting line arrivals must not go back in time")
        self._last_arrival = arrival
        start = max(self._free[0], self.clock.to_open_scalar(arrival))
        finish = start + self._work(count)[1:]
        self._free[0] = finish[-1]
        self._served += count
        return np.round(self.clock.to_real(finish, increasing=True), TIME_DECIMALS)

    def serve(self, arrivals: np.ndarray, opened: np.ndarray | None = None) -> np.ndarray:
        """Real finish times for a batch of non-decreasing arrival times; `opened`, if
        given, is `clock.to_open(arrivals)`, worked out in advance."""
        if len(arrivals) == 0:
            return np.empty(0)
        if arrivals[0] < self._last_arrival:
            raise AssertionError("sorting line arrivals must not go back in time")
        self._last_arrival = float(arrivals[-1])
        if opened is None:
            opened = self.clock.to_open(arrivals)
        service = None if self.rng is None else self.rng.exponential(1 / self.rate, len(arrivals))
        if self.lines == 1:
            finish = self._one_line(opened, service, 0)
        elif service is None:
            finish = self._constant_lines(opened)
        else:
            finish = self._random_lines(opened, service)
        self._served += len(arrivals)
        # to the nanohour: a parcel due exactly at a cut-off makes it, whatever the order in
        # which the floating-point sums were taken
        return np.round(self.clock.to_real(finish, increasing=self.in_order), TIME_DECIMALS)

    def _one_line(self, opened: np.ndarray, service: np.ndarray | None, line: int) -> np.ndarray:
        if service is None:
            work = self._work(len(opened))
            done_work, before = work[1:], work[:-1]
        else:
            done_work = np.cumsum(service)
            before = np.concatenate(([0.0], done_work[:-1]))
        latest_start = np.maximum.accumulate(opened - before)
        finish = done_work + np.maximum(self._free[line], latest_start)
        self._free[line] = finish[-1]
        return finish

    def _constant_lines(self, opened: np.ndarray) -> np.ndarray:
        """With equal service times, parcel k starts when parcel k - c finishes."""
        finish = np.empty(len(opened))
        residue = (self._served + np.arange(len(opened))) % self.lines
        for line in range(self.lines):
            rows = residue == line
            if rows.any():
                finish[rows] = self._one_line(opened[rows], None, line)
        return finish

    def _random_lines(self, opened: np.ndarray, service: np.ndarray) -> np.ndarray:
        free = list(self._free)
        heapq.heapify(free)
        finish = np.empty(len(opened))
        for i, (arrival, duration) in enumerate(zip(opened.tolist(), service.tolist(),
                                                    strict=True)):
            start = max(arrival, heapq.heappop(free))
            finish[i] = start + duration
            heapq.heappush(free, finish[i])
        self._free = np.array(free)
        return finish
