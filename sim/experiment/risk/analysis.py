"""From the replications' KPIs to the risk tables: each risk ranked by the delay it is
expected to cause, and each plan's lead times, bad days and resilience with all risks at
once, against the first plan on the same draws."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from sim.experiment.kpis import interval
from sim.experiment.risk.file import ALL, NONE, RiskFile
from sim.experiment.risk.runs import SEPARATOR
from sim.experiment.tasks import RepResult

DELAY = "resilience.extra_parcel_hours"
LATE = "resilience.late_because"
SPOILED = "resilience.extra_spoiled_t"
RECOVERY = "resilience.hours_to_recover"
EVENTS = "resilience.events"
LEAD = "lead_time_h.p95"
ON_TIME = "on_time_rate"
BAD_DAYS = "risk.days_below_target"


@dataclass
class RiskResult:
    file: RiskFile
    results: list[RepResult]
    source: str = ""
    runs: pd.DataFrame = field(init=False)

    def __post_init__(self) -> None:
        rows = []
        for result in self.results:
            if result.ok:
                plan, _sep, variant = result.point.partition(SEPARATOR)
                rows.append({"plan": plan, "variant": variant, "replication": result.rep,
                             **result.kpis})
        self.runs = pd.DataFrame(rows)

    @property
    def errors(self) -> list[str]:
        return [f"{r.point.replace(SEPARATOR, ' / ')}, replication {r.rep}: {r.error}"
                for r in self.results if not r.ok]

    def _of(self, plan: str, variant: str) -> pd.DataFrame:
        runs = self.runs
        if runs.empty:
            return runs
        return runs[(runs["plan"] == plan) & (runs["variant"] == variant)].sort_values(
            "replication")

    def risks(self) -> pd.DataFrame:
        """Each plan's risks, worst first: expected extra parcel-hours (with its 95%
        interval), late parcels, spoilage, how often the risk struck and recovery; ranked
        by the delay (`rank`) and by the spoilage (`spoilage_rank`)."""
        rows = []
        for plan in self.file.plans:
            for risk in self.file.risks:
                runs = self._of(plan.name, risk.name)
                if runs.empty:
                    continue
                mean, low, high = interval(runs[DELAY].to_numpy())
                struck = runs[EVENTS] > 0
                rows.append({
                    "plan": plan.name, "risk": risk.name, "extra_parcel_hours": mean,
                    "ci_low": low, "ci_high": high,
                    "late_because": float(runs[LATE].mean()),
                    "extra_spoiled_t": float(runs[SPOILED].mean()),
                    "struck": float(struck.mean()),
                    "hours_to_recover": float(runs.loc[struck, RECOVERY].median())
                    if struck.any() else float("nan"),
                })
        frame = pd.DataFrame(rows)
        if frame.empty:
            return frame
        frame = frame.sort_values(["plan", "extra_parcel_hours"], ascending=[True, False],
                                  kind="stable")
        frame["rank"] = frame.groupby("plan").cumcount() + 1
        frame["spoilage_rank"] = frame.groupby("plan")["extra_spoiled_t"].rank(
            method="min", ascending=False).astype(int)
        order = {p.name: i for i, p in enumerate(self.file.plans)}
        return frame.sort_values(["plan", "rank"], key=lambda c: c.map(order)
                                 if c.name == "plan" else c, kind="stable",
                                 ignore_index=True)

    def plans(self) -> pd.DataFrame:
        """Each plan with every risk at once: the spread of its lead time and on-time rate
        across replications, its share of bad days, and the delay the risks add, paired
        with the first plan's on the same draws."""
        rows = []
        together = ALL if len(self.file.risks) > 1 else self.file.risks[0].name
        reference = self._of(self.file.plans[0].name, together)
        for plan in self.file.plans:
            runs, calm = self._of(plan.name, together), self._of(plan.name, NONE)
            if runs.empty:
                continue
            lead, on_time = runs[LEAD].to_numpy(), runs[ON_TIME].to_numpy()
            mean, low, high = interval(runs[DELAY].to_numpy())
            paired = runs.merge(reference, on="replication", suffixes=("", "_reference"))
            diff = interval((paired[DELAY] - paired[f"{DELAY}_reference"]).to_numpy())
            rows.append({
                "plan": plan.name, "replications": len(runs),
                "lead_p95_median": float(np.nanpercentile(lead, 50)),
                "lead_p95_worst": float(np.nanpercentile(lead, 95)),
                "lead_p95_calm": float(calm[LEAD].median()) if not calm.empty else np.nan,
                "on_time_median": float(np.nanpercentile(on_time, 50)),
                "on_time_worst": float(np.nanpercentile(on_time, 5)),
                "days_below_target": float(runs[BAD_DAYS].mean()),
                "days_below_target_calm": float(calm[BAD_DAYS].mean())
                if not calm.empty else np.nan,
                "extra_parcel_hours": mean, "ci_low": low, "ci_high": high,
                "late_because": float(runs[LATE].mean()),
                "hours_to_recover": float(runs[RECOVERY].median()),
                "against_first": diff[0], "against_first_low": diff[1],
                "against_first_high": diff[2],
            })
        return pd.DataFrame(rows)
