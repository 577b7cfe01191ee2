"""Paired comparisons of two scenarios run on the same seeds (common random numbers)."""

from __future__ import annotations

import numpy as np
from scipy import stats


def paired_interval(a: list[float], b: list[float]) -> tuple[float, float]:
    """95% t interval of mean(b - a)."""
    diff = np.asarray(b) - np.asarray(a)
    half = stats.t.ppf(0.975, len(diff) - 1) * diff.std(ddof=1) / np.sqrt(len(diff))
    return diff.mean() - half, diff.mean() + half
