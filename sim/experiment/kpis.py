"""KPIs as flat dotted keys, and their means and t confidence intervals over replications."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd
from scipy import stats

CONFIDENCE = 0.95
# summary.json sections that are not KPIs of the run's performance
SKIP = ("run", "bottlenecks", "conservation")


def flatten(summary: Mapping, prefix: str = "") -> dict[str, float]:
    """Every numeric leaf of a summary as `dotted.key: value` (None becomes NaN)."""
    flat: dict[str, float] = {}
    for key, value in summary.items():
        if not prefix and key in SKIP:
            continue
        name = f"{prefix}{key}"
        if isinstance(value, Mapping):
            flat.update(flatten(value, name + "."))
        elif value is None:
            flat[name] = float("nan")
        elif isinstance(value, int | float):  # bools too: a held check counts 1
            flat[name] = float(value)
    return flat


def interval(values: Sequence[float]) -> tuple[float, float, float]:
    """Mean and the 95% t interval of replication values (NaN values left out)."""
    data = np.asarray(values, dtype=np.float64)
    data = data[~np.isnan(data)]
    if len(data) == 0:
        return float("nan"), float("nan"), float("nan")
    mean = float(data.mean())
    if len(data) < 2 or data.std(ddof=1) == 0:
        return mean, mean, mean
    half = float(stats.t.ppf(0.5 + CONFIDENCE / 2, len(data) - 1) * stats.sem(data))
    return mean, mean - half, mean + half


def aggregate(replications: Sequence[Mapping[str, float]]) -> pd.DataFrame:
    """One row per KPI: mean, ci_low, ci_high, std and the number of replications."""
    frame = pd.DataFrame(list(replications))
    rows = []
    for kpi in frame.columns:
        mean, low, high = interval(frame[kpi].to_numpy())
        rows.append({"kpi": kpi, "mean": mean, "ci_low": low, "ci_high": high,
                     "std": float(frame[kpi].std(ddof=1)) if len(frame) > 1 else 0.0,
                     "n": int(frame[kpi].notna().sum())})
    return pd.DataFrame(rows, columns=["kpi", "mean", "ci_low", "ci_high", "std", "n"])
