"""Working-hours clocks: mapping real time to open time and back."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from sim.clock import DailyClock, normalise_windows


def test_always_open_is_identity():
    clock = DailyClock([(0.0, 24.0)])
    t = np.array([0.0, 5.5, 30.25])
    assert np.array_equal(clock.to_open(t), t)
    assert np.array_equal(clock.to_real(t), t)


def test_split_shifts_count_only_open_hours():
    clock = DailyClock([(8.0, 12.0), (13.0, 17.0)])
    assert clock.open_per_day == 8.0
    # 10:00 on day 0 is 2 open hours; 14:00 is 5; 20:00 is 8; 09:00 next day is 9
    assert clock.to_open(np.array([10.0, 14.0, 20.0, 33.0])).tolist() == [2.0, 5.0, 8.0, 9.0]
    # work that ends exactly at lunch ends at 12:00, not at 13:00
    assert clock.to_real(np.array([4.0]))[0] == 12.0
    # 8 open hours is the end of day 0, not the start of day 1
    assert clock.to_real(np.array([8.0]))[0] == 17.0
    assert clock.to_real(np.array([8.5]))[0] == 24.0 + 8.5


def test_overnight_window_wraps():
    assert normalise_windows([(22.0, 6.0)]) == [(0.0, 6.0), (22.0, 24.0)]
    clock = DailyClock([(22.0, 6.0)])
    assert clock.open_per_day == 8.0
    assert clock.to_open(np.array([23.0]))[0] == 7.0  # 00:00-06:00 and 22:00-23:00


@given(
    start=st.integers(0, 22), length=st.integers(1, 8), gap=st.integers(0, 6),
    times=st.lists(st.floats(0, 500, allow_nan=False), min_size=1, max_size=30),
)
def test_round_trip(start, length, gap, times):
    first = (float(start), float(min(start + length, 24)))
    second_start = min(first[1] + gap, 23.0)
    windows = [first] + ([(second_start, 24.0)] if second_start > first[1] else [])
    clock = DailyClock(windows)
    t = np.array(sorted(times))
    w = clock.to_open(t)
    assert np.all(np.diff(w) >= 0)  # the open clock never runs backwards
    back = clock.to_real(w)
    assert np.all(np.diff(back) >= 0)
    assert np.allclose(clock.to_open(back), w)
    hour = t % 24
    is_open = np.zeros(len(t), dtype=bool)
    for lo, hi in windows:
        is_open |= (hour > lo) & (hour <= hi)
    assert np.allclose(back[is_open], t[is_open])  # inside open time it is the identity


def test_a_clock_needs_open_time():
    with pytest.raises(ValueError):
        DailyClock([])
