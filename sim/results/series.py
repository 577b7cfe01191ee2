"""Counts over time from per-parcel timestamps, with no per-parcel Python.

Queue lengths, backlogs and occupancies all have the same shape: a parcel enters at one
stamp and leaves at another, and what we want is how many are inside at each hour's end.
"""

from __future__ import annotations

import numpy as np


def hourly_inside(enter: np.ndarray, leave: np.ndarray, group: np.ndarray, groups: int,
                  hours: int) -> np.ndarray:
    """(groups, hours) counts of parcels with enter <= h + 1 < leave at the end of hour h.

    A NaN `enter` means the parcel never entered; a NaN `leave` means it never left.
    """
    entered = _hourly_counts(enter, group, groups, hours)
    left = _hourly_counts(leave, group, groups, hours)
    return np.cumsum(entered, axis=1) - np.cumsum(left, axis=1)


def hourly_mean_inside(enter: np.ndarray, leave: np.ndarray, group: np.ndarray, groups: int,
                       hours: int) -> np.ndarray:
    """(groups, hours) time-average count of parcels inside during each hour.

    Exact, from the stamps: the area under the count up to x is
    sum over entered (x - enter) minus sum over left (x - leave), evaluated at hour ends.
    The mean over a window is then the time average Little's law speaks of.
    """
    area = _area_until_hour_ends(enter, group, groups, hours)
    area -= _area_until_hour_ends(leave, group, groups, hours)
    return np.diff(area, axis=1, prepend=0.0)


def _area_until_hour_ends(times: np.ndarray, group: np.ndarray, groups: int,
                          hours: int) -> np.ndarray:
    valid = ~np.isnan(times) & (times < hours) & (group >= 0)
    cell = group[valid].astype(np.int64) * hours + np.floor(times[valid]).astype(np.int64)
    count = np.bincount(cell, minlength=groups * hours).reshape(groups, hours)
    total = np.bincount(cell, weights=times[valid], minlength=groups * hours).reshape(groups,
                                                                                     hours)
    ends = np.arange(1, hours + 1, dtype=np.float64)
    return ends * np.cumsum(count, axis=1) - np.cumsum(total, axis=1)


def hourly_events(times: np.ndarray, group: np.ndarray, groups: int, hours: int) -> np.ndarray:
    """(groups, hours) counts of stamps falling inside each hour."""
    return _hourly_counts(times, group, groups, hours)


def _hourly_counts(times: np.ndarray, group: np.ndarray, groups: int, hours: int) -> np.ndarray:
    valid = ~np.isnan(times) & (times < hours) & (group >= 0)
    hour = np.floor(times[valid]).astype(np.int64)
    flat = np.bincount(group[valid].astype(np.int64) * hours + hour, minlength=groups * hours)
    return flat.reshape(groups, hours)


def daily_growth(series: np.ndarray, first_hour: int, last_hour: int) -> np.ndarray:
    """Least-squares slope per day of each row's daily means over [first_hour, last_hour)."""
    days = (last_hour - first_hour) // 24
    if days < 2:
        return np.zeros(len(series))
    window = series[:, first_hour : first_hour + days * 24].reshape(len(series), days, 24)
    means = window.mean(axis=2)
    x = np.arange(days, dtype=np.float64)
    x -= x.mean()
    return (means - means.mean(axis=1, keepdims=True)) @ x / (x @ x)
