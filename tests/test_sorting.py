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
    line = SortingLine(rate, clock)
    cuts = sorted({c for c in batch_cuts if 0 < c < len(arrivals)})
    served = np.concatenate([line.serve(b) for b in np.split(arrivals, cuts)])
    assert np.allclose(served, one_by_one(arrivals.tolist(), rate, clock), atol=1e-9)
    assert np.all(np.diff(served) > 0)  # FIFO: finish order is arrival order


def test_line_idles_between_shifts():
    line = SortingLine(10.0, DailyClock([(8.0, 10.0)]))
    # 30 parcels at 07:00: 20 done by 10:00, the rest the next morning
    finish = line.serve(np.full(30, 7.0))
    assert finish[19] == 10.0
    assert finish[20] == 24.0 + 8.1
