"""A plan's files: the planned scenario, what changes where with its cost, the verdict.

    DIR/scenario.yaml     the planned scenario, which `sim run` reproduces
    DIR/changes.csv       one row per decision that moves: where, from, to, its cost a day
    DIR/candidates.csv    every candidate judged: its values, cost a day, shortfall
    DIR/frontier.csv      with a frontier: the plan's cost at each value of one target
    DIR/runs/             every finished run, so that a search cut short resumes
    DIR/plan.json         feasible, costs of baseline and plan, every target verified on
                          fresh seeds (mean, 95% interval), evaluations, wall time
"""

from __future__ import annotations

import json
import math

import pandas as pd

from sim.experiment.plan.search import COST, Evaluator, PlanResult
from sim.experiment.plan.store import FOLDER
from sim.results.folders import Kind, OutputFolder
from sim.results.jsonable import json_ready
from sim.results.names import Names
from sim.results.writer import scenario_document
from sim.scenario import LoadedScenario, with_overrides
from sim.scenario.yamlio import dump_yaml

PLAN = Kind("plan", frozenset({"scenario.yaml", "changes.csv", "candidates.csv", "frontier.csv",
                               "plan.json", FOLDER}), last="plan.json", resumed=True)
EXCEL = "utf-8-sig"  # Excel on Chinese Windows reads UTF-8 only with its byte-order mark


def changes(result: PlanResult, names: Names) -> pd.DataFrame:
    """What to add or remove where, in the scenario's own names, with its cost a day (the
    investment the plan file prices; vehicle-days and km are in the simulated cost)."""
    rows = []
    if result.best is not None:
        for variable, value in zip(result.variables, result.best.values, strict=True):
            if value != variable.baseline:
                rows.append({
                    "decision": variable.decision,
                    "place": names.node(variable.place) if variable.place else "",
                    "node_id": variable.place, "setting": variable.key,
                    "scenario": variable.baseline, "plan": value,
                    "change": value - variable.baseline,
                    "investment_per_day": variable.cost_per_unit_day * (
                        value - variable.baseline) + 0.0})  # no "-0.0" for a free unit
    return pd.DataFrame(rows, columns=["decision", "place", "node_id", "setting", "scenario",
                                       "plan", "change", "investment_per_day"])


def candidates(result: PlanResult, evaluator: Evaluator) -> pd.DataFrame:
    columns = [f"{v.decision}:{v.place}" if v.place else v.decision for v in result.variables]
    rows = [{**dict(zip(columns, j.values, strict=True)), "cost_per_day": j.cost_per_day,
             "shortfall": evaluator.shortfall(j), "feasible": evaluator.feasible(j)}
            for j in result.judged]
    return pd.DataFrame(rows).sort_values(["feasible", "cost_per_day"],
                                          ascending=[False, True])


def frontier_table(result: PlanResult) -> pd.DataFrame:
    """One row per value of the frontier's target: whether a verified plan meets it, at what
    cost a day, and the target's verified mean and interval in each condition."""
    rows = []
    for target, level in result.frontier:
        row = {"target": str(target), "feasible": level.feasible,
               "cost_per_day": level.best.cost_per_day if level.best else math.nan,
               "changes": len(level.overrides()) if level.best else math.nan,
               "overrides": "; ".join(level.overrides())}
        if level.best is None and level.binding:
            row["binding"] = level.binding["target"]
        for verdict in level.verdicts if level.best else []:
            if verdict.target == str(target):
                row[f"{verdict.condition}:mean"] = verdict.mean
                row[f"{verdict.condition}:ci_low"] = verdict.ci_low
                row[f"{verdict.condition}:ci_high"] = verdict.ci_high
        rows.append(row)
    return pd.DataFrame(rows)


def document(result: PlanResult, evaluator: Evaluator) -> dict:
    plan = evaluator.plan
    first = next(iter(plan.conditions))

    def kpis_of(judged) -> dict:
        return {condition: {t.kpi: judged.mean(condition, t.kpi) for t in evaluator.targets}
                for condition in plan.conditions}

    baseline = result.baseline
    mean, low, high = result.verified_cost or (math.nan,) * 3
    return {
        "feasible": result.feasible,
        "method": result.method,
        "conditions": plan.conditions,
        "cost_condition": first,
        "targets": [str(t) for t in evaluator.targets],
        "reps": plan.reps,
        "verify_reps": plan.verify_reps,
        "baseline": {"cost_per_day": baseline.cost_per_day,
                     "feasible": evaluator.feasible(baseline), "kpis": kpis_of(baseline)},
        "plan": None if result.best is None else {
            "overrides": result.overrides(),
            "cost_per_day": result.best.cost_per_day,
            "cost_per_day_verified": {"mean": mean, "ci_low": low, "ci_high": high},
            "kpis": kpis_of(result.best)},
        "verified": [vars(v) for v in result.verdicts],
        "binding": result.binding,
        "frontier": frontier_table(result).to_dict(orient="records"),
        "candidates": len(result.judged),
        "evaluations": result.runs,
        "seconds": result.seconds,
        "cost_kpi": COST,
    }


def write_plan(result: PlanResult, evaluator: Evaluator, scenario: LoadedScenario,
               folder: OutputFolder) -> None:
    """Every file, plan.json last (it says the plan is complete)."""
    names = Names.of(scenario)
    planned = with_overrides(scenario, result.overrides())
    folder.write_text("scenario.yaml", dump_yaml(scenario_document(planned)))
    table = changes(result, names)
    folder.write("changes.csv", lambda tmp: table.to_csv(tmp, index=False, encoding=EXCEL))
    tried = candidates(result, evaluator)
    folder.write("candidates.csv", lambda tmp: tried.to_csv(tmp, index=False, encoding=EXCEL))
    if result.frontier:
        steps = frontier_table(result)
        folder.write("frontier.csv", lambda tmp: steps.to_csv(tmp, index=False, encoding=EXCEL))
    folder.write_text("plan.json", json.dumps(json_ready(document(result, evaluator)),
                                              indent=1, ensure_ascii=False) + "\n")
