"""Counts over time from per-parcel timestamps, with no per-parcel Python.

Queue lengths, backlogs and occupancies all have the same shape: a parcel enters at one
stamp and leaves at another, and what we want is how many are inside, both at each hour's
end and on average over each hour. The average is exact: the area under the count up to x
is the sum over entered parcels of (x - enter) minus the sum over parcels that left of
(x - leave), evaluated at hour ends. Its mean over a window is the time average that
Little's law relates to waiting times.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

PIECE = 1 << 15  # parcels binned at a time: their temporaries stay in cache


@dataclass(frozen=True)
class HourlyStamps:
    """How many stamps fall in each (group, hour) cell, and their sum."""

    count: np.ndarray  # (groups, hours) int64
    total: np.ndarray  # (groups, hours) float64

    @staticmethod
    def of_parcels(columns: Sequence[np.ndarray], group: np.ndarray, groups: int,
                   hours: int) -> list[HourlyStamps]:
        """Each column's stamps of the parcels that entered (first column not NaN) a group
        (not negative); a NaN stamp or one after the last hour counts nowhere.

        Every cell adds its stamps in the parcels' order, whatever the piece size: a
        piece's sums start from the running sums (first in bincount's weights), unless the
        sums are exact and so the same in any order (`_sums_exactly`). The cells are
        hour-major while binning: a piece's parcels were made close in time, so the cells
        it touches are a short range, and only that range is carried over."""
        cells = groups * hours
        sums = [(np.zeros(cells, dtype=np.int64), np.zeros(cells)) for _ in columns]
        # from this cell on (hour-major: hour 1's first) a column's sums need no order
        exact_from = [groups if _sums_exactly(column) else cells for column in columns]
        for start in range(0, len(group), PIECE):
            piece = slice(start, start + PIECE)
            entered = _rows(group[piece] >= 0, ~np.isnan(columns[0][piece]))
            base = group[piece][entered]
            for column, (count, total), exact in zip(columns, sums, exact_from, strict=True):
                cell, stamps = _cells(column[piece][entered], base, groups, hours)
                if len(cell):
                    _add_piece(count, total, cell, stamps, exact)
        return [HourlyStamps(_group_major(count, groups, hours), _group_major(total, groups, hours))
                for count, total in sums]

    def area_until_hour_ends(self) -> np.ndarray:
        """Sum over stamps up to each hour's end x of (x - stamp)."""
        ends = np.arange(1, self.count.shape[1] + 1, dtype=np.float64)
        return ends * np.cumsum(self.count, axis=1) - np.cumsum(self.total, axis=1)


def _rows(*conditions: np.ndarray) -> slice | np.ndarray:
    """The rows meeting every condition: all of them (a slice, no copies) or their indices."""
    both = np.logical_and.reduce(conditions)
    return slice(None) if both.all() else np.flatnonzero(both)


def _cells(times: np.ndarray, group: np.ndarray, groups: int,
           hours: int) -> tuple[np.ndarray, np.ndarray]:
    """The hour-major cell and the stamp (double) of each stamp before the last hour's end,
    in order."""
    valid = _rows(times < hours)  # NaN compares false
    stamps = times[valid].astype(np.float64, copy=False)
    cell = stamps.astype(np.intp)  # times are >= 0: truncation is the floor
    cell *= groups
    cell += group[valid]
    return cell, stamps


def _group_major(cells: np.ndarray, groups: int, hours: int) -> np.ndarray:
    """Hour-major cells as (groups, hours)."""
    return np.ascontiguousarray(cells.reshape(hours, groups).T)


def _sums_exactly(column: np.ndarray) -> bool:
    """Whether a cell's stamps after hour 0 add up exactly in float64, so in any order.

    A float32 stamp in hour h >= 1, 2**e <= h < 2**(e + 1), is a multiple of 2**(e - 23)
    below 2**(e + 1); fewer than 2**29 of them sum to a multiple of 2**(e - 23) below
    2**(e + 30), which float64's 53 bits hold exactly, as they do every partial sum."""
    return column.dtype == np.float32 and len(column) < 2**29


def _add_piece(count: np.ndarray, total: np.ndarray, cell: np.ndarray, stamps: np.ndarray,
               exact_from: int) -> None:
    """Add a piece's stamps to the cells: after what the cells already hold, unless all of
    them are in cells from `exact_from` on, whose sums are exact in any order."""
    first, last = int(cell.min()), int(cell.max())
    span = last - first + 1
    cell -= first
    count[first : last + 1] += np.bincount(cell, minlength=span)
    if first >= exact_from:
        total[first : last + 1] += np.bincount(cell, weights=stamps, minlength=span)
        return
    total[first : last + 1] = np.bincount(np.concatenate((np.arange(span), cell)),
                                          weights=np.concatenate((total[first : last + 1],
                                                                  stamps)), minlength=span)


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
