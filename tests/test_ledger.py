"""The ledger holds stamps back in per-stage buffers: whatever the buffer size and whenever
the columns are read, they hold exactly what writing each stamp at once would have written."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from sim.demand import Parcels
from sim.engine.ledger import STAGES, STAMP, Ledger

PARCELS = 50


def _ledger(stamp_buffer: int = 4) -> Ledger:
    zeros = np.zeros(PARCELS, dtype=np.int32)
    uniform = np.zeros(PARCELS, dtype=np.float32)
    return Ledger(Parcels(created=np.arange(PARCELS, dtype=np.float64),
                          flow=zeros.astype(np.int8), origin=zeros, destination=zeros,
                          u_pickup=uniform, u_door=uniform), stamp_buffer)


# one step: a stage, the parcels stamped there (chosen among those it has not had yet), a
# time for them all or one each, and whether the columns are read after it
steps = st.lists(st.tuples(
    st.sampled_from(STAGES[1:4]),
    st.integers(0, 20),
    st.booleans(),
    st.floats(0, 1e4, allow_nan=False),
    st.booleans(),
), max_size=40)


@settings(max_examples=80, deadline=None)
@given(buffer=st.integers(1, 12), steps=steps, seed=st.integers(0, 2**32 - 1))
def test_buffered_stamps_equal_direct_writes(buffer: int, steps: list, seed: int) -> None:
    rng = np.random.default_rng(seed)
    ledger = _ledger(buffer)
    expected = {stage: np.full(PARCELS, np.nan, dtype=STAMP) for stage in STAGES[1:]}
    unstamped = {stage: rng.permutation(PARCELS) for stage in STAGES[1:]}
    for stage, count, one_each, when, read in steps:
        ids = unstamped[stage][:count].astype(np.int32)
        unstamped[stage] = unstamped[stage][count:]
        at = when + rng.random(len(ids)) * 1e3 if one_each else when
        ledger.stamp(stage, ids, at)
        expected[stage][ids] = at
        if read:
            _assert_columns(ledger, expected)
    _assert_columns(ledger, expected)


def _assert_columns(ledger: Ledger, expected: dict[str, np.ndarray]) -> None:
    times = ledger.times
    np.testing.assert_array_equal(times["created"], np.arange(PARCELS, dtype=np.float64))
    for stage, column in expected.items():
        assert times[stage].dtype == STAMP
        np.testing.assert_array_equal(times[stage], column, err_msg=stage)


def test_delivered_by_counts_stamps_still_buffered() -> None:
    ledger = _ledger()
    ledger.stamp("done", np.arange(10, dtype=np.int32), 5.0)
    ledger.stamp("done", np.arange(10, 15, dtype=np.int32), np.full(5, 8.0))
    assert ledger.delivered_by(4.0) == 0
    assert ledger.delivered_by(5.0) == 10
    assert ledger.delivered_by(8.0) == 15
