"""Files of replications and capacity searches, written into a claimed folder (atomic, like
every other result file)."""

from __future__ import annotations

import json
from dataclasses import asdict

import pandas as pd

from sim.experiment.capacity import CapacityResult
from sim.experiment.replicate import Replications
from sim.results.folders import OutputFolder
from sim.results.jsonable import json_ready


def write_replications(replications: Replications, folder: OutputFolder) -> None:
    """replications.csv (one row per replication) and replication_kpis.csv (mean, CI)."""
    table, kpis = replications.table(), replications.kpis()
    folder.write("replications.csv", lambda tmp: table.to_csv(tmp, index=False))
    folder.write("replication_kpis.csv", lambda tmp: kpis.to_csv(tmp, index=False))


def write_capacity(table: pd.DataFrame, result: CapacityResult, folder: OutputFolder) -> None:
    """analytic.csv, then capacity.json, which says the search is complete."""
    folder.write("analytic.csv", lambda tmp: table.to_csv(tmp, index=False))
    document = {
        "capacity_multiplier": result.capacity,
        "failed_at": result.failed_at,
        "stopped": result.stopped,
        "binding": result.binding,
        "analytic_bound": float(table["bound"].iloc[0]) if len(table) else None,
        "analytic_binding": str(table["resource"].iloc[0]) if len(table) else None,
        "evaluations": [{**asdict(e), "unstable": dict(e.unstable)}
                        for e in result.evaluations],
    }
    folder.write_text("capacity.json",
                      json.dumps(json_ready(document), indent=1, ensure_ascii=False) + "\n")
