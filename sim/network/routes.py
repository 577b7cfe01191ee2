"""Vehicle routes: which children each vehicle loop serves, and in which order.

A base with V vehicles and C children runs min(V, C) loops. Children are split into sectors
around the base (a sweep by bearing, balanced by residents served), so loops do not cross;
each loop is then ordered by a greedy tour improved with 2-opt.
"""

from __future__ import annotations

import numpy as np


def sweep_partition(
    base_xy: np.ndarray, child_xy: np.ndarray, weights: np.ndarray, groups: int
) -> list[np.ndarray]:
    """Split children into `groups` contiguous sectors of about equal weight.

    Returns index arrays into the children. The sweep starts at the widest angular gap so
    that no sector straddles two far-apart clusters.
    """
    n = len(child_xy)
    groups = max(1, min(groups, n))
    delta = child_xy - base_xy
    bearing = np.arctan2(delta[:, 1], delta[:, 0])
    order = np.lexsort((np.arange(n), bearing))
    if n > 1:
        sorted_bearing = bearing[order]
        gaps = np.diff(np.concatenate((sorted_bearing, [sorted_bearing[0] + 2 * np.pi])))
        order = np.roll(order, -((int(np.argmax(gaps)) + 1) % n))
    weight = np.maximum(np.asarray(weights, dtype=np.float64)[order], 0.0) + 1e-9
    cumulative = np.cumsum(weight) / weight.sum()
    cuts = np.searchsorted(cumulative, np.arange(1, groups) / groups, side="left") + 1
    # every sector gets at least one child, in order
    cuts = np.maximum(cuts, np.arange(1, groups))
    cuts = np.minimum(cuts, n - groups + np.arange(1, groups))
    return [part for part in np.split(order, cuts) if len(part)]


def tour_order(hours: np.ndarray) -> list[int]:
    """Visit order of stops 1..k for a loop from and back to stop 0 (the base).

    `hours` is the symmetric (k+1)x(k+1) travel-time matrix. A greedy tour gives the start;
    2-opt removes its crossings.
    """
    size = len(hours)
    if size <= 3:
        return list(range(1, size))
    return [int(stop) for stop in _two_opt(_greedy_cycle(hours), hours)[1:]]


def _greedy_cycle(hours: np.ndarray) -> np.ndarray:
    """Nearest neighbour from stop 0, as networkx's greedy_tsp on the complete graph: a pair
    of stops weighs hours[lower, higher] (the graph's one edge between them), and a tie goes
    to the lowest stop."""
    weight = np.triu(hours, 1)
    weight = weight + weight.T
    left = np.ones(len(hours), dtype=bool)
    left[0] = False
    cycle = [0]
    for _ in range(len(hours) - 1):
        candidates = np.flatnonzero(left)
        stop = int(candidates[np.argmin(weight[cycle[-1], candidates])])
        cycle.append(stop)
        left[stop] = False
    return np.array(cycle)


def _two_opt(cycle: np.ndarray, hours: np.ndarray) -> np.ndarray:
    """Reverse segments while that shortens the closed tour (first improvement)."""
    size = len(cycle)
    successor = np.roll(cycle, -1)  # the stop after each, kept in step with the cycle
    improved = True
    while improved:
        improved = False
        for i in range(0, size - 2):
            a, b = cycle[i], cycle[i + 1]
            c = cycle[i + 2 :]
            d = successor[i + 2 :]
            gain = hours[a, b] + hours[c, d] - hours[a, c] - hours[b, d]
            best = int(np.argmax(gain))
            if gain[best] > 1e-12:
                j = i + 2 + best
                cycle[i + 1 : j + 1] = cycle[i + 1 : j + 1][::-1].copy()
                successor = np.roll(cycle, -1)
                improved = True
    return cycle
