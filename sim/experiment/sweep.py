"""Sweeps: run every point of a design with replications, resumably, into one folder.

    DIR/sweep.json                 the design and the base scenario
    DIR/points/<id>/scenario.yaml  each point's full scenario, as run
    DIR/points/<id>/results.json   its replications' KPIs (written when the point finishes)
    DIR/runs.parquet               one row per (point, replication)
    DIR/points.csv                 one row per point: means and 95% intervals

Every file is written atomically. A killed sweep leaves finished points' results.json and
nothing half-written; running the same command again runs only what is missing.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from concurrent.futures import Executor
from dataclasses import asdict, dataclass
from pathlib import Path

import pandas as pd

from sim.errors import ScenarioError
from sim.experiment.design import (
    Point,
    SweepFile,
    as_text,
    expand,
    point_columns,
    swept_keys,
)
from sim.experiment.executors import InlineExecutor
from sim.experiment.kpis import interval
from sim.experiment.runner import run_tasks
from sim.experiment.tasks import PointTask, RepResult
from sim.results.jsonable import json_ready
from sim.results.writer import atomic_write, atomic_write_text, scenario_document
from sim.scenario import LoadedScenario, scenario_from_dict
from sim.scenario.yamlio import dump_yaml

HEADLINE = ("parcels.", "lead_time_h.", "on_time_rate", "by_flow.", "by_tier.", "by_county.",
            "by_carrier.", "by_mode.", "fleets.", "modes.", "carriers.", "vehicle_km", "co2_kg",
            "cost.", "cold_chain.")


@dataclass(frozen=True)
class SweepResult:
    runs: pd.DataFrame
    points: pd.DataFrame
    folder: Path


class PointStore:
    """The sweep folder: what is done, and where each point's files go."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def _dir(self, point: Point) -> Path:
        return self.folder / "points" / point.id

    def results(self, point: Point) -> list[RepResult]:
        path = self._dir(point) / "results.json"
        if not path.is_file():
            return []
        document = json.loads(path.read_text(encoding="utf-8"))
        return [RepResult(**row) for row in document["results"]]

    def add(self, point: Point, new: list[RepResult]) -> None:
        merged = {r.rep: r for r in self.results(point)}
        merged.update({r.rep: r for r in new})
        document = {"point": point.id, "overrides": list(point.overrides),
                    "results": [asdict(merged[rep]) for rep in sorted(merged)]}
        atomic_write_text(self._dir(point) / "results.json",
                          json.dumps(json_ready(document), indent=1) + "\n")

    def save_scenario(self, point: Point, scenario: LoadedScenario) -> None:
        atomic_write_text(self._dir(point) / "scenario.yaml",
                          dump_yaml(scenario_document(scenario)))


def run_sweep(base: LoadedScenario, design: SweepFile, folder: Path,
              executor: Executor | None = None,
              progress: Callable[[int, int], None] | None = None) -> SweepResult:
    """Run what is missing of the design in `folder`, then write the tables.

    `progress(done, total)` counts replications.
    """
    folder.mkdir(parents=True, exist_ok=True)
    for leftover in folder.rglob(".*.tmp"):  # a write cut short by a killed sweep
        leftover.unlink()
    points = expand(design)
    atomic_write_text(folder / "sweep.json", json.dumps(json_ready({
        "scenario": str(base.path.resolve()), "design": design.model_dump(mode="json"),
        "points": len(points)}), indent=1, ensure_ascii=False) + "\n")
    store = PointStore(folder)
    tasks, by_id = [], {p.id: p for p in points}
    total = done = 0
    for point in points:
        missing = sorted(set(range(design.reps)) - {r.rep for r in store.results(point)})
        total += len(missing)
        if not missing:
            continue
        try:
            scenario = scenario_from_dict(base.raw, base.path, point.overrides)
        except ScenarioError as error:
            store.add(point, [RepResult(point.id, rep, error=error.message) for rep in missing])
            done += len(missing)
            continue
        store.save_scenario(point, scenario)
        tasks.append(PointTask(point.id, scenario, tuple(missing)))
    if progress is not None:
        progress(done, total)

    def finished(task: PointTask, results: list[RepResult]) -> None:
        nonlocal done
        store.add(by_id[task.point], results)
        done += len(results)
        if progress is not None:
            progress(done, total)

    run_tasks(tasks, executor or InlineExecutor(), finished)
    return write_tables(folder, design, points, store)


def write_tables(folder: Path, design: SweepFile, points: list[Point],
                 store: PointStore) -> SweepResult:
    keys = swept_keys(design)
    columns = point_columns(points, keys)
    run_rows, point_rows = [], []
    for point, values in zip(points, columns, strict=True):
        results = [r for r in store.results(point) if r.rep < design.reps]
        for result in results:
            run_rows.append({"point": point.id, "replication": result.rep, **values,
                             "ok": result.ok, "error": result.error,
                             "unstable": ";".join(result.unstable), **result.kpis})
        point_rows.append(_point_row(point, values, results))
    runs = pd.DataFrame(run_rows)
    table = pd.DataFrame(point_rows)
    stored = _text_keys(runs, keys)
    atomic_write(folder / "runs.parquet", lambda tmp: stored.to_parquet(tmp, index=False))
    atomic_write(folder / "points.csv", lambda tmp: table.to_csv(tmp, index=False))
    return SweepResult(runs, table, folder)


def _point_row(point: Point, values: dict, results: list[RepResult]) -> dict:
    ok = [r for r in results if r.ok]
    row = {"point": point.id, **values, "reps_ok": len(ok), "reps_failed": len(results) - len(ok),
           "error": next((r.error for r in results if not r.ok), None)}
    kpis = pd.DataFrame([r.kpis for r in ok])
    for kpi in (k for k in kpis.columns if k.startswith(HEADLINE)):
        mean, low, high = interval(kpis[kpi].to_numpy())
        row[f"{kpi}.mean"], row[f"{kpi}.ci_low"], row[f"{kpi}.ci_high"] = mean, low, high
    return row


def _text_keys(frame: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    """Swept values that are lists, or of mixed types, are stored as YAML text."""
    out = frame.copy()
    for key in (k for k in keys if k in out.columns):
        kinds = {type(v) for v in out[key] if v is not None}
        if len(kinds) > 1 or kinds & {list, dict}:
            out[key] = out[key].map(lambda v: None if v is None else as_text(v))
    return out
