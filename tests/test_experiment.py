"""Replications, sweeps (resumable, fault tolerant, same on every executor) and capacity."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from sim import api
from sim.engine import model
from sim.experiment.design import SweepFile, expand, with_options

from .conftest import ROOT, TUTORIAL

SHORT = ["run.days=4"]


def half_width(kpis: pd.DataFrame, name: str) -> float:
    row = kpis.set_index("kpi").loc[name]
    return float(row["ci_high"] - row["ci_low"]) / 2


def test_same_seed_same_replications_and_each_replication_differs():
    first = api.replicate(TUTORIAL, 3, SHORT, workers=1).table()
    again = api.replicate(TUTORIAL, 3, SHORT, workers=2).table()
    pd.testing.assert_frame_equal(first, again)
    assert first["lead_time_h.mean"].nunique() == 3
    # a run already at hand stands in for replication 0
    reused = api.replicate(TUTORIAL, 3, SHORT, workers=1, first=api.run(TUTORIAL, SHORT))
    pd.testing.assert_frame_equal(first, reused.table())
    with pytest.raises(ValueError, match="replication 0"):
        api.replicate(TUTORIAL, 2, SHORT, workers=1, first=api.run(TUTORIAL, ["run.days=3"]))


def test_intervals_narrow_as_replications_grow():
    few = api.replicate(TUTORIAL, 4, SHORT, workers=2).kpis()
    many = api.replicate(TUTORIAL, 16, SHORT, workers=2).kpis()
    for name in ("lead_time_h.mean", "on_time_rate", "by_tier.point.lead_time_h.p95"):
        # the t interval shrinks about as t(0.975, n-1) / sqrt(n): 0.43 from 4 to 16
        assert half_width(many, name) < 0.75 * half_width(few, name), name


def test_more_village_vans_never_lower_the_on_time_rate(tmp_path):
    design = with_options(SweepFile(reps=4, base=[*SHORT, "demand.multiplier=1.6"]),
                          ["fleets.village.vehicles=1,2,3,4"], [])
    points = api.sweep(TUTORIAL, design, tmp_path / "vans", workers=2).points
    points = points.sort_values("set.fleets.village.vehicles")
    means = points["on_time_rate.mean"].to_numpy()
    lows = points["on_time_rate.ci_low"].to_numpy()
    assert means[-1] > means[0] + 0.05  # vans matter at this volume
    for before, after, low in zip(means, means[1:], lows, strict=False):
        assert after >= before - (before - low)  # never lower beyond the noise


def test_design_crosses_grids_zips_and_samples():
    design = SweepFile(grid={"a": [1, 2]}, zip={"b": [3, 4], "c": ["x", "y"]},
                       sample={"method": "lhs", "points": 3, "seed": 1,
                               "ranges": {"d": {"low": 0, "high": 1}}})
    points = expand(design)
    assert len(points) == 2 * 2 * 3
    assert len({p.id for p in points}) == 12
    values = [p.values for p in points]
    assert {(v["b"], v["c"]) for v in values} == {(3, "x"), (4, "y")}
    samples = sorted({v["d"] for v in values})
    assert len(samples) == 3 and all(0 <= s <= 1 for s in samples)
    # a Latin hypercube puts one sample in each third of the range
    assert sorted(int(s * 3) for s in samples) == [0, 1, 2]


def test_a_failing_point_is_recorded_and_the_rest_complete(tmp_path, monkeypatch):
    original = model.Simulation.run

    def sometimes_broken(self, *args, **kwargs):
        if self.scenario.config.demand.multiplier == 1.3:
            raise RuntimeError("boom")
        return original(self, *args, **kwargs)

    monkeypatch.setattr(model.Simulation, "run", sometimes_broken)
    design = with_options(SweepFile(reps=2, base=SHORT),
                          ["demand.multiplier=1.0,1.3", "fleets.village.capacity=-1,200"], [])
    result = api.sweep(TUTORIAL, design, tmp_path / "faulty", workers=1)
    points = result.points.set_index(["set.demand.multiplier", "set.fleets.village.capacity"])
    assert points.loc[(1.0, 200), "reps_ok"] == 2
    assert "boom" in points.loc[(1.3, 200), "error"]
    assert "fleets.village.capacity" in points.loc[(1.0, -1), "error"]
    assert "greater than or equal to 1" in points.loc[(1.3, -1), "error"]
    runs = result.runs
    assert len(runs) == 8 and runs["ok"].sum() == 2


def sweep_command(out: Path) -> list[str]:
    return [sys.executable, "-m", "sim", "sweep", str(TUTORIAL), "--grid",
            "demand.multiplier=0.8,0.9,1.0,1.1,1.2,1.3", "--reps", "2", "--set",
            "run.days=5", "--out", str(out), "--workers", "1"]


def test_a_killed_sweep_resumes_and_runs_each_point_once(tmp_path):
    # the uninterrupted sweep the resumed one must equal, row for row and value for value
    design = with_options(SweepFile(reps=2, base=["run.days=5"]),
                          ["demand.multiplier=0.8,0.9,1.0,1.1,1.2,1.3"], [])
    whole = api.sweep(TUTORIAL, design, tmp_path / "whole", workers=1)

    out = tmp_path / "resumable"
    process = subprocess.Popen(sweep_command(out), cwd=ROOT, stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL)
    deadline = time.time() + 120
    while time.time() < deadline and len(list(out.glob("points/*/results.json"))) < 2:
        time.sleep(0.05)
    process.send_signal(signal.SIGKILL)
    process.wait()
    finished = {p: p.stat().st_mtime_ns for p in out.glob("points/*/results.json")}
    assert 2 <= len(finished) < 6, "the sweep was not stopped midway"
    assert not (out / "points.csv").exists()

    done = subprocess.run(sweep_command(out), cwd=ROOT, capture_output=True, text=True,
                          timeout=300)
    assert done.returncode == 0, done.stderr
    for path, mtime in finished.items():
        assert path.stat().st_mtime_ns == mtime  # finished points were not run again
    runs = pd.read_parquet(out / "runs.parquet")
    assert len(runs) == 12
    assert not runs.duplicated(["point", "replication"]).any()
    assert runs["ok"].all()
    pd.testing.assert_frame_equal(runs, pd.read_parquet(whole.folder / "runs.parquet"))
    pd.testing.assert_frame_equal(pd.read_csv(out / "points.csv"),
                                  pd.read_csv(whole.folder / "points.csv"))
    assert len(list(out.glob("points/*/scenario.yaml"))) == 6
    assert not list(out.rglob("*.tmp"))


def test_local_pool_and_dask_give_identical_rows(tmp_path):
    pytest.importorskip("distributed")
    design = with_options(SweepFile(reps=2, base=SHORT), ["fleets.village.vehicles=1,2"], [])
    local = api.sweep(TUTORIAL, design, tmp_path / "local", workers=2).runs
    on_dask = api.sweep(TUTORIAL, design, tmp_path / "dask", workers=2, dask="local").runs
    order = ["point", "replication"]
    pd.testing.assert_frame_equal(local.sort_values(order).reset_index(drop=True),
                                  on_dask.sort_values(order).reset_index(drop=True))


def test_capacity_search_agrees_with_the_analytic_bound(tmp_path):
    table, result = api.capacity(TUTORIAL, reps=3, workers=2)
    binding = table.iloc[0]
    assert result.binding == binding["resource"]
    assert abs(result.capacity / binding["bound"] - 1) < 0.10
    assert result.failed_at > result.capacity
    # a lead-time target binds before the vans do
    _, strict = api.capacity(TUTORIAL, ["by_tier.point.lead_time_h.p95<=52"], reps=2,
                             workers=2)
    assert strict.capacity < result.capacity
    assert "by_tier.point.lead_time_h.p95" in strict.binding


def test_capacity_command_writes_its_files(tmp_path):
    from typer.testing import CliRunner

    from sim.cli import app

    outcome = CliRunner().invoke(app, ["capacity", str(TUTORIAL), "--reps", "2", "--workers",
                                       "1", "--out", str(tmp_path)])
    assert outcome.exit_code == 0, outcome.output
    assert "binding: 通许县电商快递物流园 → township stations loop 1 (route:township:P410222:1)" \
        in outcome.output
    document = json.loads((tmp_path / "capacity.json").read_text(encoding="utf-8"))
    assert document["analytic_binding"] == "route:township:P410222:1"
    assert np.isclose(document["capacity_multiplier"], document["analytic_bound"], rtol=0.1)


def test_run_and_sweep_commands_print_intervals(tmp_path):
    from typer.testing import CliRunner

    from sim.cli import app

    runner = CliRunner()
    ran = runner.invoke(app, ["run", str(TUTORIAL), "--days", "3", "--reps", "3", "--workers",
                              "1", "--no-parcels", "--out", str(tmp_path / "run")])
    assert ran.exit_code == 0, ran.output
    assert "Over 3 replications: mean [95% confidence interval]" in ran.output
    kpis = pd.read_csv(tmp_path / "run" / "replication_kpis.csv").set_index("kpi")
    assert kpis.loc["on_time_rate", "n"] == 3
    assert kpis.loc["on_time_rate", "ci_low"] <= kpis.loc["on_time_rate", "mean"]
    design = tmp_path / "design.yaml"
    design.write_text("reps: 2\nbase: ['run.days=3']\nzip:\n  fleets.village.capacity: [100, 200]"
                      "\n  fleets.village.departures_per_day: [3, 2]\n", encoding="utf-8")
    swept = runner.invoke(app, ["sweep", str(TUTORIAL), "--file", str(design), "--workers",
                                "1", "--out", str(tmp_path / "sweep")])
    assert swept.exit_code == 0, swept.output
    assert "Sweep points" in swept.output
    points = pd.read_csv(tmp_path / "sweep" / "points.csv")
    assert sorted(points["set.fleets.village.capacity"]) == [100, 200]
    assert (points["reps_ok"] == 2).all()
    bad = runner.invoke(app, ["sweep", str(TUTORIAL), "--grid", "nonsense", "--out",
                              str(tmp_path / "bad")])
    assert bad.exit_code == 2 and "expected dotted.key=value1,value2" in bad.output
