"""A risk analysis's folder: every run's KPIs, the risk and plan tables, and risk.json
(written last: a folder with one holds a finished analysis)."""

from __future__ import annotations

import json

from sim.experiment.risk.analysis import RiskResult
from sim.results.folders import Kind, OutputFolder
from sim.results.jsonable import json_ready

RISK = Kind("risk", frozenset({"runs.csv", "risks.csv", "plans.csv", "risk.json"}),
            last="risk.json")
EXCEL = "utf-8-sig"  # Excel on Chinese Windows reads UTF-8 only with its byte-order mark


def write_risk(result: RiskResult, folder: OutputFolder) -> None:
    folder.remove("risk.json")
    risks, plans = result.risks(), result.plans()
    for name, frame in (("runs.csv", result.runs), ("risks.csv", risks), ("plans.csv", plans)):
        folder.write(name, lambda tmp, frame=frame: frame.to_csv(tmp, index=False,
                                                                 encoding=EXCEL))
    document = {
        "risk_file": result.source,
        "replications": int(result.runs["replication"].nunique()) if len(result.runs) else 0,
        "on_time_target": result.file.on_time_target,
        "risks": risks.to_dict(orient="records"),
        "plans": plans.to_dict(orient="records"),
        "errors": result.errors,
    }
    folder.write_text("risk.json", json.dumps(json_ready(document), indent=1,
                                              ensure_ascii=False, allow_nan=False) + "\n")
