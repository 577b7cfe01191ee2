"""Counts over time from per-parcel timestamps, with no per-parcel Python.

Queue lengths, backlogs and occupancies all have the same shape: a parcel enters at one
stamp and leaves at another, and what we want is how many are inside, both at each hour's
end and on average over each hour. The average is exact: the area under the count up to x
is the sum over entered parcels of (x - enter) minus the sum over parcels that left of
(x - leave), evaluated at hour ends. Its mean over a window is the time average that
Little's law relates to waiting times.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

PIECE = 1 << 20  # stamps binned at a time


@dataclass(frozen=True)
class HourlyStamps:
    """How many stamps fall in each (group, hour) cell, and their sum."""

    count: np.ndarray  # (groups, hours) int64
    total: np.ndarray  # (groups, hours) float64

    @staticmethod
    def of(times: np.ndarray, group: np.ndarray, groups: int, hours: int) -> HourlyStamps:
        """A NaN time, a time after the last hour or a negative group count nowhere.

        Taken a piece of the parcels at a time, so the temporaries stay small (cheap to
        allocate, and in cache). Each piece's sums continue from the previous ones: the
        running sums go first in its weights, so every cell adds its stamps in the
        parcels' order, exactly as one pass would."""
        cells = groups * hours
        count = np.zeros(cells, dtype=np.int64)
        total = np.zeros(cells)
        every_cell = np.arange(cells)
        for start in range(0, len(times), PIECE):
            piece_cells, stamps = _cells(times[start : start + PIECE],
                                         group[start : start + PIECE], hours)
            count += np.bincount(piece_cells, minlength=cells)
            total = np.bincount(np.concatenate((every_cell, piece_cells)),
                                weights=np.concatenate((total, stamps)), minlength=cells)
        return HourlyStamps(count.reshape(groups, hours), total.reshape(groups, hours))

    def area_until_hour_ends(self) -> np.ndarray:
        """Sum over stamps up to each hour's end x of (x - stamp)."""
        ends = np.arange(1, self.count.shape[1] + 1, dtype=np.float64)
        return ends * np.cumsum(self.count, axis=1) - np.cumsum(self.total, axis=1)


def _cells(times: np.ndarray, group: np.ndarray, hours: int) -> tuple[np.ndarray, np.ndarray]:
    """The (group, hour) cell and the stamp (double) of each valid stamp, in order."""
    valid = times < hours  # NaN compares false
    if len(group) and group.min() < 0:
        valid &= group >= 0
    stamps = times[valid].astype(np.float64)
    cell = group[valid].astype(np.intp)  # bincount's own index type: no conversion there
    cell *= hours
    cell += stamps.astype(np.intp)  # times are >= 0: truncation is the floor
    return cell, stamps


def inside(entered: HourlyStamps, left: HourlyStamps) -> tuple[np.ndarray, np.ndarray]:
    """(groups, hours) time-average and hour-end counts of parcels inside, from the stamps
    of their entering and leaving (a parcel that never left has no leave stamp)."""
    end = np.cumsum(entered.count - left.count, axis=1)
    area = entered.area_until_hour_ends() - left.area_until_hour_ends()
    return np.diff(area, axis=1, prepend=0.0), end


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
