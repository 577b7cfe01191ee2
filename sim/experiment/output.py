"""Files of replications and capacity searches (atomic, like every other result file)."""

from __future__ import annotations

import json
from dataclasses import asdict
from pathlib import Path

import pandas as pd

from sim.experiment.capacity import CapacityResult
from sim.experiment.replicate import Replications
from sim.results.jsonable import json_ready
from sim.results.writer import atomic_write, atomic_write_text


def write_replications(replications: Replications, folder: Path) -> None:
    """replications.csv (one row per replication) and replication_kpis.csv (mean, CI)."""
    table, kpis = replications.table(), replications.kpis()
    atomic_write(folder / "replications.csv", lambda tmp: table.to_csv(tmp, index=False))
    atomic_write(folder / "replication_kpis.csv", lambda tmp: kpis.to_csv(tmp, index=False))


def write_capacity(table: pd.DataFrame, result: CapacityResult, folder: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    atomic_write(folder / "analytic.csv", lambda tmp: table.to_csv(tmp, index=False))
    document = {
        "capacity_multiplier": result.capacity,
        "failed_at": result.failed_at,
        "binding": result.binding,
        "analytic_bound": float(table["bound"].iloc[0]) if len(table) else None,
        "analytic_binding": str(table["resource"].iloc[0]) if len(table) else None,
        "evaluations": [{**asdict(e), "unstable": dict(e.unstable)}
                        for e in result.evaluations],
    }
    atomic_write_text(folder / "capacity.json",
                      json.dumps(json_ready(document), indent=1, ensure_ascii=False) + "\n")
