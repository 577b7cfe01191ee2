"""Sweeps: run every point of a design with replications, resumably, into one folder.

    DIR/sweep.json                 the design and the base scenario, with its fingerprint
    DIR/points/<id>/scenario.yaml  each point's full scenario, as run
    DIR/points/<id>/results.json   its replications' KPIs and its scenario's fingerprint
                                   (written when the point finishes)
    DIR/runs.parquet               one row per (point, replication)
    DIR/points.csv                 one row per point: means and 95% intervals

The folder is claimed as a sweep's (`sim.results.folders`) before anything runs, and every
file is written atomically. A killed sweep leaves finished points' results.json and nothing
half-written; running the same command again runs only what is missing. A point's id hashes
only its overrides, so a folder holding a sweep of another scenario (another fingerprint) is
refused rather than resumed.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from concurrent.futures import Executor
from dataclasses import asdict, dataclass
from pathlib import Path

import pandas as pd

from sim.errors import OutputError, ScenarioError
from sim.experiment.design import (
    Point,
    SweepFile,
    as_text,
    check_size,
    expand,
    point_columns,
    swept_keys,
    value_column,
)
from sim.experiment.executors import InlineExecutor
from sim.experiment.kpis import interval
from sim.experiment.split.points import run_point_tasks
from sim.experiment.tasks import PointTask, RepResult
from sim.results.folders import SWEEP, OutputFolder, claim
from sim.results.jsonable import json_ready
from sim.results.writer import scenario_document
from sim.scenario import LoadedScenario, with_overrides
from sim.scenario.fingerprint import fingerprint
from sim.scenario.yamlio import dump_yaml

HEADLINE = ("parcels.", "lead_time_h.", "on_time_rate", "by_flow.", "by_tier.", "by_county.",
            "by_carrier.", "by_mode.", "fleets.", "modes.", "carriers.", "vehicle_km", "co2_kg",
            "cost.", "cold_chain.")
RECORD = "sweep.json"
TABLES = ("points.csv", "runs.parquet")  # made from the points when the sweep ends
REDO = "delete it to run the point again, or choose another --out"


@dataclass(frozen=True)
class SweepResult:
    runs: pd.DataFrame
    points: pd.DataFrame
    folder: Path


class PointStore:
    """The sweep folder: what is done, and where each point's files go."""

    def __init__(self, folder: OutputFolder) -> None:
        self.folder = folder

    def _name(self, point: Point, file: str) -> str:
        return f"points/{point.id}/{file}"

    def results(self, point: Point) -> list[RepResult]:
        return self._read(point)[1]

    def _read(self, point: Point) -> tuple[str | None, list[RepResult]]:
        """The fingerprint of the scenario a point's results came from, and the results."""
        path = self.folder.path / self._name(point, "results.json")
        try:
            if not path.is_file():
                return None, []
            text = path.read_text(encoding="utf-8")
        except OSError as error:
            raise OutputError(str(path), "", f"cannot be read ({error.strerror})") from None
        try:
            document = json.loads(text)
            results = [RepResult(**row) for row in document["results"]]
            scenario = document["scenario"]
            valid = (document["point"] == point.id and isinstance(scenario, str | None)
                     and all(isinstance(r.rep, int) and isinstance(r.kpis, dict)
                             for r in results))
        except (ValueError, KeyError, TypeError):
            valid = False
        if not valid:
            raise OutputError(str(path), "", "is not a point's results as a sweep writes them "
                              f"(cut short or edited?); {REDO}")
        return scenario, results

    def add(self, point: Point, scenario: str | None, new: list[RepResult]) -> None:
        """Merge replications of a point whose scenario has fingerprint `scenario`."""
        earlier, results = self._read(point)
        if results and earlier != scenario:
            raise OutputError(str(self.folder.path / self._name(point, "results.json")), "",
                              f"holds results of another scenario; {REDO}")
        merged = {r.rep: r for r in results}
        merged.update({r.rep: r for r in new})
        document = {"point": point.id, "scenario": scenario, "overrides": list(point.overrides),
                    "results": [asdict(merged[rep]) for rep in sorted(merged)]}
        self.folder.write_text(self._name(point, "results.json"),
                               json.dumps(json_ready(document), indent=1) + "\n")

    def save_scenario(self, point: Point, scenario: LoadedScenario) -> None:
        self.folder.write_text(self._name(point, "scenario.yaml"),
                               dump_yaml(scenario_document(scenario)))


def run_sweep(base: LoadedScenario, design: SweepFile, folder: Path,
              executor: Executor | None = None,
              progress: Callable[[int, int], None] | None = None,
              source: str = "sweep design") -> SweepResult:
    """Run what is missing of the design in `folder`, then write the tables.

    `progress(done, total)` counts replications; `source` names the design in messages.
    """
    check_size(design, base.files.limits, source)
    base_print = fingerprint(base)
    with claim(folder, SWEEP, base.input_files,
               accept=lambda path: same_scenario(path, base_print)) as out:
        for name in TABLES:  # until this sweep ends they would describe an earlier one
            out.remove(name)
        points = expand(design)
        out.write_text(RECORD, json.dumps(json_ready({
            "scenario": str(base.path.resolve()), "fingerprint": base_print,
            "design": design.model_dump(mode="json"), "points": len(points)}), indent=1,
            ensure_ascii=False) + "\n")
        store = PointStore(out)
        tasks, by_id, prints = [], {p.id: p for p in points}, {}
        total = done = 0
        for point in points:
            missing = sorted(set(range(design.reps)) - {r.rep for r in store.results(point)})
            total += len(missing)
            if not missing:
                continue
            try:
                scenario = with_overrides(base, point.overrides)
            except ScenarioError as error:
                store.add(point, None, [RepResult(point.id, rep, error=error.message)
                                        for rep in missing])
                done += len(missing)
                continue
            prints[point.id] = fingerprint(scenario)
            store.save_scenario(point, scenario)
            tasks.append(PointTask(point.id, scenario, tuple(missing)))
        if progress is not None:
            progress(done, total)

        def finished(task: PointTask, results: list[RepResult]) -> None:
            nonlocal done
            store.add(by_id[task.point], prints[task.point], results)
            done += len(results)
            if progress is not None:
                progress(done, total)

        run_point_tasks(tasks, executor or InlineExecutor(), finished)
        return write_tables(out, design, points, store)


def same_scenario(folder: Path, base_print: str) -> None:
    """Refuse to resume a sweep folder whose record names another scenario."""
    record = folder / RECORD
    again = "resume it with that scenario, or choose another --out for this one"
    if not record.exists():
        if any((folder / "points").glob("*/results.json")):
            raise OutputError(str(record), "", "is missing, so the scenario of the points "
                              "already run is unknown; remove the folder or choose another "
                              "--out")
        return
    try:
        document = json.loads(record.read_text(encoding="utf-8"))
        recorded, scenario = document["fingerprint"], document["scenario"]
    except (OSError, ValueError, KeyError, TypeError):
        raise OutputError(str(record), "", "cannot be read as a sweep's record (cut short or "
                          "edited?); remove the folder or choose another --out") from None
    if recorded != base_print:
        raise OutputError(str(folder), "", f"holds a sweep of another scenario (last run from "
                          f"{scenario}; this one's settings or tables differ); {again}")


def write_tables(folder: OutputFolder, design: SweepFile, points: list[Point],
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
    folder.write("runs.parquet", lambda tmp: stored.to_parquet(tmp, index=False))
    folder.write("points.csv", lambda tmp: table.to_csv(tmp, index=False))
    return SweepResult(runs, table, folder.path)


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
    for key in (value_column(k) for k in keys if value_column(k) in out.columns):
        kinds = {type(v) for v in out[key] if v is not None}
        if len(kinds) > 1 or kinds & {list, dict}:
            out[key] = out[key].map(lambda v: None if v is None else as_text(v))
    return out
