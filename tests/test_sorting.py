"""The batch sorting line against the parcel-by-parcel recurrence it replaces."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from sim.clock import DailyClock
from sim.engine.sorting import SortingLine


def one_by_one(arrivals: list[float], rate: float, clock: DailyClock) -> list[float]:
    """Each parcel starts when it has arrived and the line is free, in open hours."""
    free = 0.0
    finishes = []
    for arrival in arrivals:
        start = max(free, float(clock.to_open(np.array([arrival]))[0]))
        free = start + 1.0 / rate
        finishes.append(float(clock.to_real(np.array([free]))[0]))
    return finishes


def in_batches(line: SortingLine, arrivals: np.ndarray, batch_cuts: list[int]) -> np.ndarray:
    """Serve arrivals cut into batches at the given positions."""
    cuts = sorted({c for c in batch_cuts if 0 < c < len(arrivals)})
    return np.concatenate([line.serve(batch) for batch in np.split(arrivals, cuts)])


@settings(max_examples=60, deadline=None)
@given(
    gaps=st.lists(st.floats(0, 3, allow_nan=False), min_size=1, max_size=60),
    batch_cuts=st.lists(st.integers(0, 60), max_size=6),
    rate=st.floats(0.5, 50),
    shifted=st.booleans(),
)
def test_batches_match_the_recurrence(gaps, batch_cuts, rate, shifted):
    clock = DailyClock([(6.0, 12.0), (13.0, 20.0)] if shifted else [(0.0, 24.0)])
    arrivals = np.cumsum(gaps)
    served = in_batches(SortingLine(rate, clock), arrivals, batch_cuts)
    assert np.allclose(served, one_by_one(arrivals.tolist(), rate, clock), atol=1e-9)
    assert np.all(np.diff(served) > 0)  # FIFO: finish order is arrival order


def test_line_idles_between_shifts():
    line = SortingLine(10.0, DailyClock([(8.0, 10.0)]))
    # 30 parcels at 07:00: 20 done by 10:00, the rest the next morning
    finish = line.serve(np.full(30, 7.0))
    assert finish[19] == 10.0
    assert finish[20] == 24.0 + 8.1


def many_lines(arrivals, rate, lines, service=None):
    """Plain multi-server FIFO: each parcel takes the line that frees first."""
    free = [0.0] * lines
    finishes = []
    for i, arrival in enumerate(arrivals):
        line = min(range(lines), key=lambda k: free[k])
        start = max(arrival, free[line])
        free[line] = start + (1.0 / rate if service is None else service[i])
        finishes.append(free[line])
    return finishes


@settings(max_examples=40, deadline=None)
@given(
    gaps=st.lists(st.floats(0, 1, allow_nan=False), min_size=1, max_size=80),
    batch_cuts=st.lists(st.integers(0, 80), max_size=5),
    lines=st.integers(2, 5),
)
def test_constant_lines_match_a_multi_server_queue(gaps, batch_cuts, lines):
    arrivals = np.cumsum(gaps)
    served = in_batches(SortingLine(2.0, DailyClock([(0.0, 24.0)]), lines), arrivals,
                        batch_cuts)
    assert np.allclose(served, many_lines(arrivals.tolist(), 2.0, lines), atol=1e-9)


@settings(max_examples=40, deadline=None)
@given(gaps=st.lists(st.floats(0, 1, allow_nan=False), min_size=1, max_size=80),
       lines=st.integers(1, 4), seed=st.integers(0, 1000))
def test_random_service_matches_a_multi_server_queue(gaps, lines, seed):
    arrivals = np.cumsum(gaps)
    line = SortingLine(2.0, DailyClock([(0.0, 24.0)]), lines, np.random.default_rng(seed))
    first = line.serve(arrivals[: len(arrivals) // 2])
    second = line.serve(arrivals[len(arrivals) // 2 :])
    # the same draws, batch by batch, from the same seed
    half = len(arrivals) // 2
    rng = np.random.default_rng(seed)
    service = np.concatenate((rng.exponential(0.5, half),
                              rng.exponential(0.5, len(arrivals) - half)))
    expected = many_lines(arrivals.tolist(), 2.0, lines, service.tolist())
    assert np.allclose(np.concatenate((first, second)), expected, atol=1e-9)
