"""A plan's files: the planned scenario, what changes where with its cost, the verdict.

    DIR/scenario.yaml     the planned scenario, which `sim run` reproduces
    DIR/changes.csv       one row per decision that moves (where, from, to, its cost a day),
                          and per base whose vehicles a resized fleet changes
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

from sim.experiment.plan.file import vehicles_by_base
from sim.experiment.plan.search import COST, Evaluator, PlanResult
from sim.experiment.plan.store import FOLDER
from sim.network import Network, build_network
from sim.results.folders import Kind, OutputFolder
from sim.results.jsonable import json_ready
from sim.results.names import Names
from sim.results.writer import scenario_document
from sim.scenario import LoadedScenario, with_overrides
from sim.scenario.yamlio import dump_yaml

PLAN = Kind("plan", frozenset({"scenario.yaml", "changes.csv", "candidates.csv", "frontier.csv",
                               "plan.json", FOLDER}), last="plan.json", resumed=True)
EXCEL = "utf-8-sig"  # Excel on Chinese Windows reads UTF-8 only with its byte-order mark


CHANGES = ["decision", "place", "county", "node_id", "setting", "named_by", "scenario", "plan",
           "change", "investment_per_day"]


def changes(result: PlanResult, scenario: LoadedScenario, network: Network) -> pd.DataFrame:
    """What to add or remove where, in the scenario's own names, with its cost a day (the
    investment the plan file prices; vehicle-days and km are in the simulated cost). A
    setting that resizes a fleet (vans for a lower share of their capacity) is also said as
    the vehicles it adds or removes at each base, with the base's county. `named_by` is the
    setting a reader knows the row by (a base's vehicles by its fleet's)."""
    if result.best is None:
        return pd.DataFrame(columns=CHANGES)
    names = Names.of(scenario)
    county = dict(zip(network.tree.ids, network.tree.county, strict=True))
    planned = build_network(with_overrides(scenario, result.overrides()))
    rows = []
    for variable, value in zip(result.variables, result.best.values, strict=True):
        if value != variable.baseline:
            rows.append({
                "decision": variable.decision,
                "place": names.node(variable.place) if variable.place else "",
                "county": county.get(variable.place, ""), "node_id": variable.place,
                "setting": variable.key,
                "named_by": (f"fleets.{variable.fleet}.vehicles" if variable.fleet
                             else variable.key),
                "scenario": variable.value(variable.baseline), "plan": variable.value(value),
                "change": round(variable.value(value) - variable.value(variable.baseline),
                                9),  # 0.4 - 0.7 is -0.3, not -0.29999999999999993
                "investment_per_day": variable.investment(value) + 0.0})  # not "-0.0"
    decided = {row["node_id"] for row in rows if row["setting"].endswith(".vehicles")}
    before, after = vehicles_by_base(network), vehicles_by_base(planned)
    for fleet, base in sorted(before.keys() | after.keys()):
        old, new = before.get((fleet, base), 0), after.get((fleet, base), 0)
        if old != new and base not in decided:
            cause = [v.decision for v in result.variables
                     if v.fleet == fleet or v.key.startswith(f"fleets.{fleet}.")]
            rows.append({"decision": cause[0] if cause else f"{fleet} vehicles",
                         "place": names.node(base), "county": county.get(base, ""),
                         "node_id": base, "setting": f"node_overrides.{base}.vehicles",
                         "named_by": f"fleets.{fleet}.vehicles", "scenario": old, "plan": new,
                         "change": new - old, "investment_per_day": 0.0})
    return pd.DataFrame(rows, columns=CHANGES, dtype=object)  # counts stay 3500, not 3500.0


def candidates(result: PlanResult, evaluator: Evaluator) -> pd.DataFrame:
    columns = [f"{v.decision}:{v.place}" if v.place else v.decision for v in result.variables]
    rows = [{**{column: variable.value(value) for column, variable, value
                in zip(columns, result.variables, j.values, strict=True)},
             "cost_per_day": j.cost_per_day,
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

    def verified(cost: tuple[float, float, float] | None) -> dict:
        mean, low, high = cost or (math.nan,) * 3
        return {"mean": mean, "ci_low": low, "ci_high": high}
    return {
        "feasible": result.feasible,
        "method": result.method,
        "conditions": plan.conditions,
        "cost_condition": first,
        "targets": [str(t) for t in evaluator.targets],
        "reps": plan.reps,
        "verify_reps": plan.verify_reps,
        "baseline": {"cost_per_day": baseline.cost_per_day,
                     "feasible": evaluator.feasible(baseline), "kpis": kpis_of(baseline),
                     "cost_per_day_verified": verified(result.baseline_cost),
                     "verified": [vars(v) for v in result.baseline_verdicts]},
        "plan": None if result.best is None else {
            "overrides": result.overrides(),
            "cost_per_day": result.best.cost_per_day,
            "cost_per_day_verified": verified(result.verified_cost),
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
    planned = with_overrides(scenario, result.overrides())
    folder.write_text("scenario.yaml", dump_yaml(scenario_document(planned)))
    folder.write("changes.csv", lambda tmp: result.changes.to_csv(tmp, index=False,
                                                                 encoding=EXCEL))
    tried = candidates(result, evaluator)
    folder.write("candidates.csv", lambda tmp: tried.to_csv(tmp, index=False, encoding=EXCEL))
    if result.frontier:
        steps = frontier_table(result)
        folder.write("frontier.csv", lambda tmp: steps.to_csv(tmp, index=False, encoding=EXCEL))
    folder.write_text("plan.json", json.dumps(json_ready(document(result, evaluator)),
                                              indent=1, ensure_ascii=False) + "\n")
